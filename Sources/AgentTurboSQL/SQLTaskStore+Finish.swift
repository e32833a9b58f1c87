import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Ends attempts in one transaction, each guarded by its owner and number: the row must still be `running`
    /// for this worker and this attempt. Two exceptions, both about the same attempt: its outcome already
    /// recorded (a retried finish whose answer was lost) is reported as such, and an outcome the agent reached
    /// by itself is still recorded after the rescuer took the task back, if nothing happened to the task
    /// since (no newer claim, no operator action). Anything else is refused with `leaseLost`.
    public func finish(_ requests: [FinishRequest], retryPolicy: RetryPolicy) async throws -> [FinishResult] {
        guard !requests.isEmpty else { return [] }
        let d = dialect
        let (results, wake) = try await database.write { connection in
            // Lock the rows in one statement, in key order, so that two batches never wait on each other.
            let ids = Array(Set(requests.map(\.attempt.taskID))).sorted()
            var tasks: [String: AgentTask] = [:]
            for batch in ids.chunked(into: 500) {
                let rows = try await connection.query(
                    """
                    SELECT \(TaskRows.taskColumns(d)) FROM agent_tasks
                    WHERE task_id IN (\(self.placeholders(from: 1, count: batch.count))) ORDER BY task_id\(d.forUpdate)
                    """,
                    batch.map(SQLValue.text)
                )
                for task in try rows.map(TaskRows.task) {
                    tasks[task.taskID] = task
                }
            }
            var results: [FinishResult] = []
            var actions: [(taskID: String, action: TaskActionKind, workerID: String?, details: String)] = []
            var wake = false
            for request in requests {
                let ref = request.attempt
                guard let task = tasks[ref.taskID] else {
                    results.append(.refused(StoreError(.leaseLost, "task \(ref.taskID) no longer exists: the outcome of attempt \(ref.attempt) is not recorded")))
                    continue
                }
                try await self.storeOutput(ref, request.output, on: connection)
                switch try await self.standing(of: request, task: task, on: connection) {
                case .refused(let error):
                    results.append(.refused(error))
                case .alreadyRecorded:
                    results.append(.alreadyRecorded(task))
                case .open(let asItStood, let late):
                    let plan = Self.plan(request.outcome, for: asItStood, retryPolicy: retryPolicy)
                    if let workspace = request.workspace {
                        try await self.writeWorkspace(workspace, taskID: ref.taskID, guard: nil, on: connection)
                    }
                    let updated = try await self.apply(
                        plan, to: ref, expecting: task.status, retryCount: asItStood.retryCount + plan.retryCountIncrement,
                        on: connection
                    )
                    let details = late ? plan.details.with("late", "recorded after the rescuer took the task back") : plan.details
                    actions.append((ref.taskID, plan.action, ref.workerID, details.json))
                    try await self.closeAttempt(ref, outcome: plan.action.rawValue, plan: plan, on: connection)
                    if case .rateLimited(let retryAt, let message, _) = request.outcome {
                        try await self.extendHold(AgentHold(agent: task.agent, until: retryAt, reason: message), on: connection)
                    }
                    if let hold = request.hold {
                        try await self.extendHold(hold, on: connection)
                    }
                    tasks[ref.taskID] = updated
                    wake = wake || plan.status == .pending
                    results.append(.finished(updated))
                }
            }
            try await self.recordActions(actions, on: connection)
            return (results, wake)
        }
        if wake {
            database.publish([.tasksAvailable])
        }
        return results
    }

    /// Where a finish stands against the row as it is now (locked).
    private enum Standing {
        /// May be recorded, planned from the task as it stood while the attempt ran.
        case open(AgentTask, late: Bool)
        case alreadyRecorded
        case refused(StoreError)
    }

    private func standing(of request: FinishRequest, task: AgentTask, on connection: any SQLConnection) async throws -> Standing {
        let ref = request.attempt
        guard task.attempt == ref.attempt, task.assignedWorkerID == ref.workerID else {
            return .refused(StoreError(
                .leaseLost,
                "attempt \(ref) was taken back (the task is now \(task.status.rawValue), attempt \(task.attempt)): its outcome is not recorded"
            ))
        }
        if task.status == .running {
            return .open(task, late: false)
        }
        let attemptOutcome = try await connection.query(
            "SELECT outcome FROM agent_attempts WHERE task_id = $1 AND attempt = $2",
            [.text(ref.taskID), .int(ref.attempt)]
        ).first?.optionalString("outcome")
        guard attemptOutcome == TaskActionKind.rescued.rawValue else {
            // This attempt's outcome is on record: the answer to an earlier try of this finish was lost.
            return .alreadyRecorded
        }
        let lastAction = try await connection.query(
            "SELECT action FROM agent_actions WHERE task_id = $1 ORDER BY id DESC LIMIT 1", [.text(ref.taskID)]
        ).first?.optionalString("action")
        guard request.isAgentsOwnOutcome, task.status == .pending || task.status == .failed,
            lastAction == TaskActionKind.rescued.rawValue
        else {
            return .refused(StoreError(
                .leaseLost,
                "attempt \(ref) was taken back after its lease expired (the task is now \(task.status.rawValue)): its outcome is not recorded"
            ))
        }
        // Undo what the rescue did to the row, then plan as if the outcome had come in time.
        var asItStood = task
        asItStood.status = .running
        if task.status == .pending {
            asItStood.retryCount = max(0, task.retryCount - 1)
        }
        return .open(asItStood, late: true)
    }

    /// Stores output that came with a finish; pieces already stored (by sequence) are skipped.
    func storeOutput(_ ref: AttemptRef, _ pieces: [OutputPiece], on connection: any SQLConnection) async throws {
        let d = dialect
        for batch in pieces.filter({ !$0.data.isEmpty }).chunked(into: 200) {
            var binds: [SQLValue] = [.text(ref.taskID), .int(ref.attempt)]
            var values: [String] = []
            for piece in batch {
                binds += [.int(piece.sequence), .text(piece.stream.rawValue), .bytes(piece.data)]
                let n = binds.count
                values.append("($1, $2, $\(n - 2), $\(n - 1), $\(n), \(d.now))")
            }
            try await connection.execute(
                """
                INSERT INTO agent_task_output (task_id, attempt, seq, stream, data, created_at)
                VALUES \(values.joined(separator: ", ")) ON CONFLICT (task_id, attempt, seq) DO NOTHING
                """,
                binds
            )
        }
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
        /// Added to the task's `rate_limited_sec`.
        var rateLimitedSeconds: Double = 0
        var details: Details
    }

    /// A rate or usage limit puts the task back until the reset without spending a retry, unless the wait
    /// would take the task's total past `--max-rate-limit-wait`: then it fails (`rate_limited`), so that a
    /// limit that never clears ends. A reset already beyond the cap fails it at once, since no wait can help.
    /// Every limit counts at least ``shortestRateLimitWait``, so that one whose reset is reported as already
    /// past neither runs the agent again at once nor escapes the cap.
    static func rateLimitedPlan(
        retryAt: Date, message: String, report: AgentReport, task: AgentTask, retryPolicy: RetryPolicy, base: Details,
        now: Date = Date()
    ) -> FinishPlan {
        let wait = max(Self.shortestRateLimitWait, retryAt.timeIntervalSince(now))
        let retryAt = now.addingTimeInterval(wait)
        let waited = task.rateLimitedSec
        let cap = retryPolicy.maximumRateLimitWaitSeconds
        guard waited + wait <= cap else {
            let waitedText = waited <= 0 ? "no wait so far" : "waited \(DurationText.format(waited)) in total"
            let error = "rate limited past --max-rate-limit-wait (\(DurationText.format(cap))): \(waitedText), and the limit "
                + "resets only at \(Timestamp.format(retryAt)), \(DurationText.format(wait)) from now: \(message)"
            return FinishPlan(
                status: .failed, action: .failed, report: report, errorKind: .rateLimited, error: error,
                details: base.with("error_kind", ErrorKind.rateLimited.rawValue).with("error", error)
                    .with("retry_at", Timestamp.format(retryAt)).with("rate_limited_sec", waited).with("retries_left", 0)
            )
        }
        let details = base.with("error", message).with("retry_at", Timestamp.format(retryAt)).with("wait_sec", wait)
        return FinishPlan(
            status: .pending, action: .rateLimited, report: report, errorKind: .rateLimited, error: message,
            notBefore: retryAt, rateLimitedSeconds: wait, details: details.with("rate_limited_sec", waited + wait)
        )
    }

    /// The least a rate limit puts a task back for.
    static let shortestRateLimitWait: Double = 1

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
            return rateLimitedPlan(retryAt: retryAt, message: message, report: report, task: task, retryPolicy: retryPolicy, base: base)
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

    private func apply(
        _ plan: FinishPlan, to attempt: AttemptRef, expecting status: TaskStatus, retryCount: Int,
        on connection: any SQLConnection
    ) async throws -> AgentTask {
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
                retry_count = $15, run_after = \(runAfter), rate_limited_sec = rate_limited_sec + $21
            WHERE task_id = $1 AND assigned_worker_id = $16 AND attempt = $17 AND status = $20
            RETURNING \(TaskRows.taskColumns(d))
            """
        let binds: [SQLValue] = [
            .text(attempt.taskID), .text(plan.status.rawValue), SQLValue(report.result), SQLValue(plan.error),
            SQLValue(plan.errorKind?.rawValue), SQLValue(report.exitCode), SQLValue(report.sessionID),
            SQLValue(report.costUSD), SQLValue(report.inputTokens), SQLValue(report.outputTokens),
            SQLValue(report.numTurns), SQLValue(report.peakMemoryBytes), SQLValue(report.cpuUserSec),
            SQLValue(report.cpuSystemSec), .int(retryCount), .text(attempt.workerID),
            .int(attempt.attempt), .double(plan.delaySeconds ?? 0), .date(plan.notBefore ?? Date()),
            .text(status.rawValue), .double(plan.rateLimitedSeconds),
        ]
        guard let row = try await connection.query(sql, binds).first else {
            throw StoreError(.leaseLost, "attempt \(attempt) changed while it was being finished")
        }
        return try TaskRows.task(row)
    }

    func closeAttempt(
        _ attempt: AttemptRef, outcome: String, plan: FinishPlan, on connection: any SQLConnection
    ) async throws {
        let report = plan.report
        try await connection.execute(
            """
            UPDATE agent_attempts SET finished_at = \(dialect.now), outcome = $3, error_kind = $4, error = $5,
                exit_code = $6, duration_sec = \(dialect.secondsSince("started_at")), cost_usd = $7,
                input_tokens = $8, output_tokens = $9, num_turns = $10, peak_memory_bytes = $11,
                cpu_user_sec = $12, cpu_system_sec = $13, result = $14, session_id = $15
            WHERE task_id = $1 AND attempt = $2
            """,
            [
                .text(attempt.taskID), .int(attempt.attempt), .text(outcome), SQLValue(plan.errorKind?.rawValue),
                SQLValue(plan.error), SQLValue(report.exitCode), SQLValue(report.costUSD),
                SQLValue(report.inputTokens), SQLValue(report.outputTokens), SQLValue(report.numTurns),
                SQLValue(report.peakMemoryBytes), SQLValue(report.cpuUserSec), SQLValue(report.cpuSystemSec),
                SQLValue(report.result), SQLValue(report.sessionID),
            ]
        )
    }
}
