import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Stores output pieces; one whose sequence number the attempt already has is skipped, so shipping a
    /// piece again after a lost answer stores it once. Not guarded by the lease: a stale worker's output is
    /// labelled with its own attempt number and harms nothing.
    public func appendOutput(_ append: OutputAppend) async throws {
        let ref = AttemptRef(taskID: append.taskID, workerID: "", attempt: append.attempt)
        try await database.write { connection in
            try await self.storeOutput(ref, append.pieces, on: connection)
        }
    }

    public func lastOutputSequence(taskID: String, attempt: Int) async throws -> Int {
        try await database.read { connection in
            try await connection.query(
                "SELECT COALESCE(MAX(seq), 0) AS n FROM agent_task_output WHERE task_id = $1 AND attempt = $2",
                [.text(taskID), .int(attempt)]
            ).first?.optionalInt("n") ?? 0
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
