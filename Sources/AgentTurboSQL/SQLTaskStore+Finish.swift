import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Ends an attempt, guarded by its owner and number: the row must still be `running` for this worker and
    /// this attempt, or nothing changes and `leaseLost` is thrown.
    @discardableResult
    public func finish(_ attempt: AttemptRef, _ outcome: AttemptOutcome, retryPolicy: RetryPolicy) async throws
        -> AgentTask
    {
        let d = dialect
        let finished = try await database.write { connection in
            let rows = try await connection.query(
                "SELECT \(TaskRows.taskColumns(d)) FROM agent_tasks WHERE task_id = $1\(d.forUpdate)",
                [.text(attempt.taskID)]
            )
            guard let task = try rows.first.map(TaskRows.task) else {
                throw StoreError(.leaseLost, "task \(attempt.taskID) no longer exists")
            }
            guard task.status == .running, task.assignedWorkerID == attempt.workerID, task.attempt == attempt.attempt
            else {
                throw StoreError(
                    .leaseLost,
                    "attempt \(attempt) was taken back (the task is now \(task.status.rawValue), attempt \(task.attempt)): its outcome is not recorded"
                )
            }
            let plan = Self.plan(outcome, for: task, retryPolicy: retryPolicy)
            let updated = try await self.apply(plan, to: attempt, on: connection)
            try await self.recordAction(attempt.taskID, plan.action, workerID: attempt.workerID, details: plan.details, on: connection)
            try await self.closeAttempt(attempt, outcome: plan.action.rawValue, plan: plan, on: connection)
            if case .rateLimited(let retryAt, let message, _) = outcome {
                try await self.extendHold(AgentHold(agent: task.agent, until: retryAt, reason: message), on: connection)
            }
            return (updated, plan.status)
        }
        if finished.1 == .pending {
            database.publish([.tasksAvailable])
        }
        return finished.0
    }

    /// What an outcome does to the row: decided from the row as it stands inside the transaction.
    struct FinishPlan {
        var status: TaskStatus
        var action: TaskActionKind
        var report: AgentReport
        var errorKind: ErrorKind?
        var error: String?
        var retryCountIncrement = 0
        /// Seconds from now until the task may run again, for outcomes that put it back.
        var delaySeconds: Double?
        /// Or a time it may run again (not before now), for a limit that resets then.
        var notBefore: Date?
        var details: Details
    }

    static func plan(_ outcome: AttemptOutcome, for task: AgentTask, retryPolicy: RetryPolicy) -> FinishPlan {
        let base = Details().with("attempt", task.attempt)
        // A task someone asked to cancel is never put back in the queue.
        func cancelledInstead(_ report: AgentReport, _ reason: String) -> FinishPlan {
            FinishPlan(
                status: .cancelled, action: .cancelled, report: report, errorKind: .cancelled,
                error: "cancelled: \(reason)", details: base.with("reason", reason)
            )
        }
        switch outcome {
        case .completed(let report):
            return FinishPlan(
                status: .completed, action: .completed, report: report, details: base.with("cost_usd", report.costUSD)
            )
        case .cancelled(let report):
            return cancelledInstead(report, "stopped on request")
        case .failed(let failure, let report):
            let details = base.with("error_kind", failure.kind.rawValue).with("error", failure.message)
                .with("exit_code", report.exitCode)
            if failure.kind.isPermanent || task.retryCount >= task.maxRetries {
                return FinishPlan(
                    status: .failed, action: .failed, report: report, errorKind: failure.kind, error: failure.message,
                    details: details.with("retries_left", 0)
                )
            }
            if task.cancelRequested {
                return cancelledInstead(report, "cancel requested while it failed: \(failure.message)")
            }
            let retry = task.retryCount + 1
            let delay = retryPolicy.delay(forRetry: retry)
            return FinishPlan(
                status: .pending, action: .retryScheduled, report: report, errorKind: failure.kind,
                error: failure.message, retryCountIncrement: 1, delaySeconds: delay,
                details: details.with("retry", retry).with("backoff_sec", delay)
            )
        case .rateLimited(let retryAt, let message, let report):
            if task.cancelRequested {
                return cancelledInstead(report, "cancel requested while rate limited")
            }
            return FinishPlan(
                status: .pending, action: .rateLimited, report: report, errorKind: .rateLimited, error: message,
                notBefore: retryAt,
                details: base.with("error", message).with("retry_at", Timestamp.format(retryAt))
            )
        case .requeued(let reason):
            if task.cancelRequested {
                return cancelledInstead(AgentReport(), "cancel requested while requeued")
            }
            return FinishPlan(
                status: .pending, action: .requeued, report: AgentReport(), errorKind: task.errorKind,
                error: task.error, delaySeconds: 0, details: base.with("reason", reason)
            )
        }
    }

    private func apply(_ plan: FinishPlan, to attempt: AttemptRef, on connection: any SQLConnection) async throws
        -> AgentTask
    {
        let d = dialect
        let report = plan.report
        let finished = plan.status.isFinished
        let runAfter = plan.notBefore != nil ? d.later("$19", d.now) : plan.delaySeconds == nil ? "run_after" : d.now(plusSeconds: "$18")
        let sql = """
            UPDATE agent_tasks SET status = $2, updated_at = \(d.now), lease_expires_at = NULL,
                completed_at = \(finished ? d.now : "NULL"),
                duration_sec = \(d.secondsSince("started_at")),
                result = $3, error = $4, error_kind = $5, exit_code = $6, session_id = COALESCE($7, session_id),
                cost_usd = COALESCE($8, cost_usd), input_tokens = COALESCE($9, input_tokens),
                output_tokens = COALESCE($10, output_tokens), num_turns = COALESCE($11, num_turns),
                peak_memory_bytes = $12, cpu_user_sec = $13, cpu_system_sec = $14,
                retry_count = retry_count + $15, run_after = \(runAfter)
            WHERE task_id = $1 AND assigned_worker_id = $16 AND attempt = $17 AND status = 'running'
            RETURNING \(TaskRows.taskColumns(d))
            """
        let binds: [SQLValue] = [
            .text(attempt.taskID), .text(plan.status.rawValue), SQLValue(report.result), SQLValue(plan.error),
            SQLValue(plan.errorKind?.rawValue), SQLValue(report.exitCode), SQLValue(report.sessionID),
            SQLValue(report.costUSD), SQLValue(report.inputTokens), SQLValue(report.outputTokens),
            SQLValue(report.numTurns), SQLValue(report.peakMemoryBytes), SQLValue(report.cpuUserSec),
            SQLValue(report.cpuSystemSec), .int(plan.retryCountIncrement), .text(attempt.workerID),
            .int(attempt.attempt), .double(plan.delaySeconds ?? 0), .date(plan.notBefore ?? Date()),
        ]
        guard let row = try await connection.query(sql, binds).first else {
            throw StoreError(.leaseLost, "attempt \(attempt) changed while it was being finished")
        }
        return try TaskRows.task(row)
    }

    private func closeAttempt(
        _ attempt: AttemptRef, outcome: String, plan: FinishPlan, on connection: any SQLConnection
    ) async throws {
        let report = plan.report
        try await connection.execute(
            """
            UPDATE agent_attempts SET finished_at = \(dialect.now), outcome = $3, error_kind = $4, error = $5,
                exit_code = $6, duration_sec = \(dialect.secondsSince("started_at")), cost_usd = $7,
                input_tokens = $8, output_tokens = $9, num_turns = $10, peak_memory_bytes = $11,
                cpu_user_sec = $12, cpu_system_sec = $13
            WHERE task_id = $1 AND attempt = $2
            """,
            [
                .text(attempt.taskID), .int(attempt.attempt), .text(outcome), SQLValue(plan.errorKind?.rawValue),
                SQLValue(plan.error), SQLValue(report.exitCode), SQLValue(report.costUSD),
                SQLValue(report.inputTokens), SQLValue(report.outputTokens), SQLValue(report.numTurns),
                SQLValue(report.peakMemoryBytes), SQLValue(report.cpuUserSec), SQLValue(report.cpuSystemSec),
            ]
        )
    }

    /// Takes back running tasks whose lease has expired. Each counts as an attempt: back to `pending` with
    /// `retry_count + 1` while retries remain, `failed` after the last one, `cancelled` if a cancel was asked.
    public func rescueExpiredLeases(by rescuer: String) async throws -> [RescuedTask] {
        let d = dialect
        let rescued = try await database.write { connection in
            let rows = try await connection.query(
                """
                WITH expired AS MATERIALIZED (
                    SELECT task_id FROM agent_tasks
                    WHERE status = 'running' AND lease_expires_at < \(d.now)\(d.skipLocked)
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
                []
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
