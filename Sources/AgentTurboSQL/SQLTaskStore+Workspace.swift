import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Records the branch a running attempt works on; guarded like every write about an attempt.
    public func recordWorkspace(_ attempt: AttemptRef, _ workspace: WorkspaceReport) async throws {
        let updated = try await database.write { connection in
            try await self.writeWorkspace(workspace, taskID: attempt.taskID, guard: attempt, on: connection)
        }
        if updated == 0 {
            throw StoreError(.leaseLost, "attempt \(attempt) is no longer running on this worker")
        }
    }

    /// Writes the workspace columns; a field the report leaves out keeps its value (the base commit named when
    /// the branch was made stays when a later attempt reports only its head). With `guard`, only while that
    /// attempt runs. Returns the rows changed.
    @discardableResult
    func writeWorkspace(
        _ workspace: WorkspaceReport, taskID: String, guard attempt: AttemptRef?, on connection: any SQLConnection
    ) async throws -> Int {
        var sql = """
            UPDATE agent_tasks SET branch = $2, base_commit = COALESCE($3, base_commit),
                head_commit = COALESCE($4, head_commit), files_changed = COALESCE($5, files_changed),
                lines_added = COALESCE($6, lines_added), lines_removed = COALESCE($7, lines_removed)
            WHERE task_id = $1
            """
        var binds: [SQLValue] = [
            .text(taskID), .text(workspace.branch), SQLValue(workspace.baseCommit), SQLValue(workspace.headCommit),
            SQLValue(workspace.filesChanged), SQLValue(workspace.linesAdded), SQLValue(workspace.linesRemoved),
        ]
        if let attempt {
            sql += " AND assigned_worker_id = $8 AND attempt = $9 AND status = 'running'"
            binds += [.text(attempt.workerID), .int(attempt.attempt)]
        }
        return try await connection.query(sql + " RETURNING task_id", binds).count
    }
}
