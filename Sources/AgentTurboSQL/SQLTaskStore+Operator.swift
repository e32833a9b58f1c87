import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Cancels a pending task at once; flags a running one for its worker to stop (from any host).
    public func cancel(_ taskID: String, reason: String?, by actor: String?) async throws -> CancelResult {
        let d = dialect
        let result = try await database.write { connection -> CancelResult in
            let rows = try await connection.query(
                "SELECT \(TaskRows.taskColumns(d)) FROM agent_tasks WHERE task_id = $1\(d.forUpdate)", [.text(taskID)]
            )
            guard let task = try rows.first.map(TaskRows.task) else {
                throw StoreError(.notFound, "no task with id '\(taskID)': `agent-turbo list` shows the ids")
            }
            let details = Details().with("by", actor).with("reason", reason)
            switch task.status {
            case .completed, .failed, .cancelled:
                return .alreadyFinished(task)
            case .pending:
                let updated = try await connection.query(
                    """
                    UPDATE agent_tasks SET status = 'cancelled', cancel_requested = TRUE, completed_at = \(d.now),
                        updated_at = \(d.now), error_kind = 'cancelled', error = $2
                    WHERE task_id = $1 AND status = 'pending'
                    RETURNING \(TaskRows.taskColumns(d))
                    """,
                    [.text(taskID), .text("cancelled before it ran" + (reason.map { ": \($0)" } ?? ""))]
                )
                try await self.recordAction(taskID, .cancelled, workerID: nil, details: details, on: connection)
                return .cancelled(try TaskRows.task(updated[0]))
            case .running:
                if task.cancelRequested {
                    return .requested(task)
                }
                let updated = try await connection.query(
                    """
                    UPDATE agent_tasks SET cancel_requested = TRUE, updated_at = \(d.now)
                    WHERE task_id = $1 AND status = 'running'
                    RETURNING \(TaskRows.taskColumns(d))
                    """,
                    [.text(taskID)]
                )
                try await self.recordAction(
                    taskID, .cancelRequested, workerID: task.assignedWorkerID,
                    details: details.with("attempt", task.attempt), on: connection
                )
                return .requested(try TaskRows.task(updated[0]))
            }
        }
        if case .requested(let task) = result {
            database.publish([.cancelRequested(taskID: task.taskID)])
        }
        return result
    }

    /// Puts a `failed` or `cancelled` task back to `pending` with its retry budget (and its rate-limit budget)
    /// restored. The last attempt's outcome stays on its `agent_attempts` row; the task shows none until the
    /// new attempt ends.
    public func retry(_ taskID: String, by actor: String?) async throws -> AgentTask {
        let d = dialect
        let task = try await database.write { connection in
            let rows = try await connection.query(
                "SELECT status FROM agent_tasks WHERE task_id = $1\(d.forUpdate)", [.text(taskID)]
            )
            guard let status = try rows.first.map({ try $0.string("status") }) else {
                throw StoreError(.notFound, "no task with id '\(taskID)': `agent-turbo list` shows the ids")
            }
            guard TaskStatus(rawValue: status)?.isRetryable == true else {
                throw StoreError(
                    .invalidState,
                    "task '\(taskID)' is \(status): only failed or cancelled tasks can be retried"
                )
            }
            let updated = try await connection.query(
                """
                UPDATE agent_tasks SET status = 'pending', retry_count = 0, cancel_requested = FALSE,
                    run_after = \(d.now), updated_at = \(d.now), completed_at = NULL, lease_expires_at = NULL,
                    started_at = NULL, duration_sec = NULL, result = NULL, error = NULL, error_kind = NULL,
                    exit_code = NULL, session_id = NULL, cost_usd = NULL, input_tokens = NULL, output_tokens = NULL,
                    num_turns = NULL, peak_memory_bytes = NULL, cpu_user_sec = NULL, cpu_system_sec = NULL,
                    progress = NULL, rate_limited_sec = 0
                WHERE task_id = $1 AND status IN ('failed', 'cancelled')
                RETURNING \(TaskRows.taskColumns(d))
                """,
                [.text(taskID)]
            )
            try await self.recordAction(
                taskID, .retried, workerID: nil, details: Details().with("by", actor).with("previous_status", status),
                on: connection
            )
            return try TaskRows.task(updated[0])
        }
        database.publish([.tasksAvailable])
        return task
    }

    /// Deletes tasks that finished before `date`, with their audit rows, attempts and output, in transactions
    /// of `batchSize` tasks: a long retention backlog never holds one huge transaction (or one that outlives
    /// PostgreSQL's operation deadline), and each step deletes a task together with everything about it.
    public func prune(finishedBefore date: Date) async throws -> PruneResult {
        try await prune(finishedBefore: date, batchSize: 1000)
    }

    func prune(finishedBefore date: Date, batchSize: Int) async throws -> PruneResult {
        var total = PruneResult(tasks: 0, actions: 0, outputChunks: 0)
        while true {
            let step = try await database.write { connection in
                // The rows are locked as they are picked (PostgreSQL; SQLite has one writer at a time), and the
                // DELETE checks their state again: a task `retry` put back meanwhile is not deleted.
                let ids = try await connection.query(
                    """
                    SELECT task_id FROM agent_tasks WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < $1
                    ORDER BY completed_at LIMIT $2\(self.dialect.forUpdate)
                    """,
                    [.date(date), .int(batchSize)]
                ).map { try $0.string("task_id") }
                guard !ids.isEmpty else { return (found: 0, result: PruneResult(tasks: 0, actions: 0, outputChunks: 0)) }
                let list = self.placeholders(from: 2, count: ids.count)
                let binds = [SQLValue.date(date)] + ids.map(SQLValue.text)
                func count(_ table: String) async throws -> Int {
                    try await connection.query(
                        "SELECT COUNT(*) AS n FROM \(table) WHERE task_id IN (\(self.placeholders(from: 1, count: ids.count)))",
                        ids.map(SQLValue.text)
                    ).first?.int("n") ?? 0
                }
                let actions = try await count("agent_actions")
                let chunks = try await count("agent_task_output")
                // Their audit rows, attempts and output go with them (ON DELETE CASCADE).
                let deleted = try await connection.query(
                    """
                    DELETE FROM agent_tasks WHERE task_id IN (\(list))
                        AND status IN ('completed', 'failed', 'cancelled') AND completed_at < $1
                    RETURNING task_id
                    """,
                    binds
                ).count
                return (found: ids.count, result: PruneResult(tasks: deleted, actions: actions, outputChunks: chunks))
            }
            total.tasks += step.result.tasks
            total.actions += step.result.actions
            total.outputChunks += step.result.outputChunks
            if step.found < batchSize {
                return total
            }
        }
    }
}
