import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Adds tasks in one transaction. Every task is validated and every id checked before the first insert,
    /// so a bad task or a taken id leaves the database as it was.
    public func submit(_ tasks: [NewTask], by actor: String?) async throws -> [AgentTask] {
        try await submit(tasks, by: actor, idempotencyKey: nil).tasks
    }

    public func submit(_ tasks: [NewTask], by actor: String?, idempotencyKey: String?) async throws -> SubmitResult {
        guard !tasks.isEmpty else { return SubmitResult(tasks: [], replayed: false) }
        if let idempotencyKey {
            try IdempotencyKey.validate(idempotencyKey)
        }
        // Of the tasks as asked, before ids are generated: a retry generates other ids but asks the same.
        let fingerprint = idempotencyKey.map { _ in SubmitFingerprint.of(tasks) }
        var prepared = tasks
        var seen = Set<String>()
        for index in prepared.indices {
            do {
                try prepared[index].validate()
            } catch {
                throw tasks.count == 1 ? error : InputError("task \(index + 1): \(error.message)")
            }
            let id = prepared[index].taskID ?? TaskID.generate()
            prepared[index].taskID = id
            guard seen.insert(id).inserted else {
                throw StoreError(.duplicateID, "task id '\(id)' appears twice in this batch: give each task its own id")
            }
        }
        let ready = prepared
        let dialect = dialect
        let key = idempotencyKey.flatMap { key in fingerprint.map { (key, $0) } }
        let write = { @Sendable () async throws -> (tasks: [AgentTask], replayed: Bool) in
            try await self.database.write { connection in
                if let key, let earlier = try await self.earlierSubmit(key: key.0, fingerprint: key.1, on: connection) {
                    return (earlier, true)
                }
                let rows = try await self.insertAudited(ready, by: actor, dialect: dialect, on: connection)
                if let key {
                    try await self.rememberSubmit(key: key.0, fingerprint: key.1, ids: rows.map(\.taskID), on: connection)
                }
                return (rows, false)
            }
        }
        let result: (tasks: [AgentTask], replayed: Bool)
        do {
            result = try await write()
        } catch let error as StoreError where error.code == .idempotencyConflict && error.message == Self.keyRace {
            // Another submit with this key committed first: this time the key is there.
            result = try await write()
        }
        if result.replayed {
            return SubmitResult(tasks: result.tasks, replayed: true)
        }
        database.publish([.tasksAvailable])
        let order = Dictionary(uniqueKeysWithValues: ready.enumerated().map { ($1.taskID!, $0) })
        return SubmitResult(
            tasks: result.tasks.sorted { order[$0.taskID, default: 0] < order[$1.taskID, default: 0] }, replayed: false
        )
    }

    /// Inserts the tasks and their `created` rows; inside the submit's transaction.
    private func insertAudited(
        _ ready: [NewTask], by actor: String?, dialect: any SQLDialect, on connection: any SQLConnection
    ) async throws -> [AgentTask] {
        try await self.ensureIDsAreFree(ready.map { $0.taskID! }, on: connection)
        if let marker = dialect.auditedInsertMarker {
            try await connection.execute(marker)
        }
        var rows: [AgentTask] = []
        rows.reserveCapacity(ready.count)
        for batch in ready.chunked(into: 300) {
            rows += try await self.insert(batch, on: connection)
        }
        try await self.recordActions(
            rows.map { task in
                let details = Details().with("by", actor).with("agent", task.agent)
                    .with("priority", task.taskPriority).with("run_after", Timestamp.format(task.runAfter))
                return (task.taskID, .created, nil, details.json)
            },
            on: connection
        )
        return rows
    }

    private func ensureIDsAreFree(_ ids: [String], on connection: any SQLConnection) async throws {
        for batch in ids.chunked(into: 500) {
            let rows = try await connection.query(
                "SELECT task_id FROM agent_tasks WHERE task_id IN (\(placeholders(from: 1, count: batch.count)))",
                batch.map(SQLValue.text)
            )
            if let taken = try rows.first?.string("task_id") {
                let others = rows.count > 1 ? " (and \(rows.count - 1) more in this batch)" : ""
                throw StoreError(
                    .duplicateID,
                    "a task with id '\(taken)' already exists\(others): choose another id, or leave task_id out to get a generated one"
                )
            }
        }
    }

    private func insert(_ batch: ArraySlice<NewTask>, on connection: any SQLConnection) async throws -> [AgentTask] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var binds: [SQLValue] = []
        var rows: [String] = []
        for task in batch {
            let options = String(decoding: try encoder.encode(task.agentOptions), as: UTF8.self)
            let base = binds.count
            let runAfter = task.runAfter.map { _ in "$\(base + 14)" } ?? dialect.now
            rows.append(
                "($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), 'pending', $\(base + 5), $\(base + 6), 0, 0, "
                    + "$\(base + 7), $\(base + 8), \(dialect.json("$\(base + 9)")), \(runAfter), FALSE, \(dialect.now), \(dialect.now), $\(base + 10), "
                    + "$\(base + 11), $\(base + 12), $\(base + 13))"
            )
            binds += [
                .text(task.taskID!), .text(task.taskType), .text(task.taskDescription), .int(task.taskPriority),
                .int(task.timeoutSeconds), .int(task.maxRetries), .text(task.agent), SQLValue(task.workingDir),
                .json(options), SQLValue(task.batchID), SQLValue(task.repo), .bool(task.worktree), SQLValue(task.base),
            ]
            if let runAfter = task.runAfter {
                binds.append(.date(runAfter))
            }
        }
        let sql = """
            INSERT INTO agent_tasks (task_id, task_type, task_description, task_priority, status, timeout_seconds,
                max_retries, retry_count, attempt, agent, working_dir, agent_options, run_after, cancel_requested,
                created_at, updated_at, batch_id, repo, worktree, base)
            VALUES \(rows.joined(separator: ", "))
            RETURNING \(TaskRows.taskColumns(dialect))
            """
        do {
            return try await connection.query(sql, binds).map(TaskRows.task)
        } catch where dialect.isUniqueViolation(error) {
            throw StoreError(
                .duplicateID,
                "a task with one of these ids was added meanwhile: choose other ids, or leave task_id out"
            )
        }
    }
}
