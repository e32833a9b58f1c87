import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Stores output pieces in order, up to the attempt's cap; past the cap one `system` marker says how much
    /// was kept and the rest is dropped. Not guarded by the lease: a stale worker's output is labelled with its
    /// own attempt number and harms nothing.
    public func appendOutput(_ append: OutputAppend) async throws -> OutputAppendResult {
        let d = dialect
        return try await database.write { connection in
            let totals = try await connection.query(
                """
                SELECT COALESCE(MAX(seq), 0) AS last_seq,
                    COALESCE(SUM(CASE WHEN stream <> 'system' THEN \(d.byteLength("data")) ELSE 0 END), 0) AS stored,
                    COALESCE(SUM(CASE WHEN stream = 'system' THEN 1 ELSE 0 END), 0) AS markers
                FROM agent_task_output WHERE task_id = $1 AND attempt = $2
                """,
                [.text(append.taskID), .int(append.attempt)]
            )
            var sequence = totals.first?.optionalInt("last_seq") ?? 0
            var stored = totals.first?.optionalInt("stored") ?? 0
            var truncated = (totals.first?.optionalInt("markers") ?? 0) > 0
            var rows: [(OutputSource, Data)] = []
            for piece in append.pieces where !truncated && !piece.data.isEmpty {
                let room = append.capBytes - stored
                if piece.data.count <= room {
                    rows.append((piece.stream, piece.data))
                    stored += piece.data.count
                } else {
                    if room > 0 {
                        rows.append((piece.stream, piece.data.prefix(room)))
                        stored += room
                    }
                    let marker = "\n[agent-turbo: output truncated at \(append.capBytes) bytes for attempt \(append.attempt); the rest was dropped]\n"
                    rows.append((.system, Data(marker.utf8)))
                    truncated = true
                }
            }
            for batch in rows.chunked(into: 200) {
                var binds: [SQLValue] = [.text(append.taskID), .int(append.attempt)]
                var values: [String] = []
                for (stream, data) in batch {
                    sequence += 1
                    binds += [.int(sequence), .text(stream.rawValue), .bytes(data)]
                    let n = binds.count
                    values.append("($1, $2, $\(n - 2), $\(n - 1), $\(n), \(d.now))")
                }
                try await connection.execute(
                    "INSERT INTO agent_task_output (task_id, attempt, seq, stream, data, created_at) VALUES \(values.joined(separator: ", "))",
                    binds
                )
            }
            return OutputAppendResult(storedBytes: stored, truncated: truncated)
        }
    }

    public func output(for taskID: String, after cursor: OutputCursor?, limit: Int) async throws -> [OutputChunk] {
        let cursor = cursor ?? OutputCursor(attempt: 0, sequence: 0)
        return try await database.read { connection in
            try await connection.query(
                """
                SELECT attempt, seq, stream, data, created_at FROM agent_task_output
                WHERE task_id = $1 AND (attempt > $2 OR (attempt = $2 AND seq > $3))
                ORDER BY attempt, seq LIMIT $4
                """,
                [.text(taskID), .int(cursor.attempt), .int(cursor.sequence), .int(limit)]
            ).map { row in
                OutputChunk(
                    taskID: taskID, attempt: try row.int("attempt"), sequence: try row.int("seq"),
                    stream: OutputSource(rawValue: try row.string("stream")) ?? .stdout, data: row.data("data"),
                    createdAt: try row.date("created_at")
                )
            }
        }
    }
}
