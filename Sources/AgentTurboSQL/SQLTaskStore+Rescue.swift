import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Takes back running tasks whose lease expired more than `graceSeconds` ago (by the database's clock).
    /// Each counts as an attempt: back to `pending` with `retry_count + 1` while retries remain, `failed` after
    /// the last one, `cancelled` if a cancel was asked. `assigned_worker_id` and `attempt` stay, so that the
    /// attempt's own late outcome can still be recorded until a newer one is claimed.
    public func rescueExpiredLeases(by rescuer: String, graceSeconds: Double) async throws -> [RescuedTask] {
        let d = dialect
        let rescued = try await database.write { connection in
            let rows = try await connection.query(
                """
                WITH expired AS MATERIALIZED (
                    SELECT task_id FROM agent_tasks
                    WHERE status = 'running' AND lease_expires_at < \(d.now(plusSeconds: "$1"))\(d.skipLocked)
                )
                UPDATE agent_tasks SET
                    status = CASE WHEN cancel_requested THEN 'cancelled'
                                  WHEN retry_count >= max_retries THEN 'failed' ELSE 'pending' END,
                    retry_count = CASE WHEN cancel_requested OR retry_count >= max_retries THEN retry_count
                                       ELSE retry_count + 1 END,
                    completed_at = CASE WHEN cancel_requested OR retry_count >= max_retries THEN \(d.now) ELSE NULL END,
                    duration_sec = \(d.secondsSince("started_at")),
                    error_kind = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'lease_expired' END,
                    error = 'the lease of worker ' || COALESCE(assigned_worker_id, '?') || ' expired (attempt '
                        || CAST(attempt AS TEXT) || '): the worker died or lost the database',
                    lease_expires_at = NULL, run_after = \(d.now), updated_at = \(d.now)
                WHERE task_id IN (SELECT task_id FROM expired) AND status = 'running'
                RETURNING task_id, assigned_worker_id, attempt, status
                """,
                [.double(-graceSeconds)]
            )
            var rescued: [RescuedTask] = []
            var actions: [(taskID: String, action: TaskActionKind, workerID: String?, details: String)] = []
            for row in rows {
                let task = RescuedTask(
                    taskID: try row.string("task_id"), previousWorkerID: row.optionalString("assigned_worker_id"),
                    newStatus: TaskStatus(rawValue: try row.string("status")) ?? .pending
                )
                rescued.append(task)
                let details = Details().with("attempt", try row.int("attempt")).with("previous_worker", task.previousWorkerID)
                    .with("status", task.newStatus.rawValue)
                actions.append((task.taskID, .rescued, rescuer, details.json))
                try await connection.execute(
                    """
                    UPDATE agent_attempts SET finished_at = \(d.now), outcome = 'rescued', error_kind = 'lease_expired',
                        error = 'lease expired', duration_sec = \(d.secondsSince("started_at"))
                    WHERE task_id = $1 AND attempt = $2
                    """,
                    [.text(task.taskID), .int(try row.int("attempt"))]
                )
            }
            try await self.recordActions(actions, on: connection)
            return rescued
        }
        if rescued.contains(where: { $0.newStatus == .pending }) {
            database.publish([.tasksAvailable])
        }
        return rescued
    }
}
