import AgentTurboCore
import Foundation

/// Idempotency keys of submits, kept in `agent_idempotency_keys` in the submit's own transaction, so that any
/// process on the same database recognises a retry: the key, a fingerprint of the tasks asked for and the ids
/// that were added.
extension SQLTaskStore {
    /// The message of the error thrown when two submits with one key raced and this one lost; `submit` tries
    /// again once, and then finds the winner's tasks.
    static let keyRace = "another submit with this idempotency key was committed at the same time"

    /// The tasks an earlier submit with this key added, `nil` when the key is new (or expired). Throws
    /// `idempotencyConflict` when the key was used for other tasks.
    func earlierSubmit(key: String, fingerprint: String, on connection: any SQLConnection) async throws -> [AgentTask]? {
        let d = dialect
        let cutoff = d.now(plusSeconds: "$2")
        // Forget this key if it expired, and a few other expired ones, so the table stays small.
        try await connection.execute(
            "DELETE FROM agent_idempotency_keys WHERE idempotency_key = $1 AND created_at < \(cutoff)",
            [.text(key), .double(-IdempotencyKey.retentionSeconds)]
        )
        try await connection.execute(
            """
            DELETE FROM agent_idempotency_keys WHERE idempotency_key IN (
                SELECT idempotency_key FROM agent_idempotency_keys WHERE created_at < \(d.now(plusSeconds: "$1"))
                ORDER BY created_at LIMIT 100)
            """,
            [.double(-IdempotencyKey.retentionSeconds)]
        )
        let rows = try await connection.query(
            "SELECT fingerprint, \(d.jsonText("task_ids")) AS task_ids FROM agent_idempotency_keys WHERE idempotency_key = $1",
            [.text(key)]
        )
        guard let row = rows.first else { return nil }
        guard try row.string("fingerprint") == fingerprint else {
            throw StoreError(
                .idempotencyConflict,
                "the idempotency key '\(key)' was used in the last \(Int(IdempotencyKey.retentionSeconds / 3600)) hours for other tasks: use a new key for new tasks, or send the same tasks again to get the ones it added"
            )
        }
        let ids = try JSONDecoder().decode([String].self, from: Data(try row.string("task_ids").utf8))
        var tasks: [String: AgentTask] = [:]
        for batch in ids.chunked(into: 500) {
            for task in try await connection.query(
                "SELECT \(TaskRows.taskColumns(d)) FROM agent_tasks WHERE task_id IN (\(placeholders(from: 1, count: batch.count)))",
                batch.map(SQLValue.text)
            ).map(TaskRows.task) {
                tasks[task.taskID] = task
            }
        }
        // Tasks pruned since are left out; the others come in the order they were submitted.
        return ids.compactMap { tasks[$0] }
    }

    /// Remembers the key with the ids just added, in the same transaction.
    func rememberSubmit(key: String, fingerprint: String, ids: [String], on connection: any SQLConnection) async throws {
        let json = String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)
        do {
            try await connection.execute(
                """
                INSERT INTO agent_idempotency_keys (idempotency_key, fingerprint, task_ids, created_at)
                VALUES ($1, $2, \(dialect.json("$3")), \(dialect.now))
                """,
                [.text(key), .text(fingerprint), .json(json)]
            )
        } catch where dialect.isUniqueViolation(error) {
            throw StoreError(.idempotencyConflict, Self.keyRace)
        }
    }
}

/// A fingerprint of the tasks a submit asks for (ids as given, not as generated): two 64-bit FNV-1a hashes with
/// different offsets over every field, each prefixed by its length, so that equal requests match and a different
/// field, or the same text split differently between fields, does not.
enum SubmitFingerprint {
    static func of(_ tasks: [NewTask]) -> String {
        var bytes: [UInt8] = []
        func add(_ text: String?) {
            guard let text else {
                bytes += [0xFF]
                return
            }
            let utf8 = Array(text.utf8)
            withUnsafeBytes(of: UInt64(utf8.count).littleEndian) { bytes += $0 }
            bytes += utf8
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        add(String(tasks.count))
        for task in tasks {
            add(task.taskID)
            add(task.taskType)
            add(task.taskDescription)
            add(String(task.taskPriority))
            add(String(task.timeoutSeconds))
            add(String(task.maxRetries))
            add(task.agent)
            add(task.workingDir)
            add((try? encoder.encode(task.agentOptions)).map { String(decoding: $0, as: UTF8.self) } ?? "?")
            add(task.runAfter.map(Timestamp.format))
            add(task.batchID)
            add(task.repo)
            add(task.worktree ? "worktree" : "folder")
            add(task.base)
        }
        return hash(bytes, offset: 0xcbf2_9ce4_8422_2325) + hash(bytes, offset: 0x6c62_272e_07bb_0142)
    }

    private static func hash(_ bytes: [UInt8], offset: UInt64) -> String {
        var value = offset
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
