import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// Claims ready tasks in one statement: highest priority first, then oldest, only those whose `run_after`
    /// has passed and whose agent profile is not held back. PostgreSQL skips rows other claimers have locked;
    /// SQLite runs the statement inside its single writer transaction. Either way the picked rows are still
    /// pending when the UPDATE reaches them (PostgreSQL's `FOR UPDATE` locks them and re-checks the CTE's
    /// condition on their newest version; SQLite's `write` admits one writer at a time), so it finds them by key
    /// alone: a `status` condition there made SQLite walk every pending row through the status index.
    public func claim(_ request: ClaimRequest) async throws -> [AgentTask] {
        guard let statement = claimStatement(request) else { return [] }
        let claimed = try await database.write { connection in
            let tasks = try await connection.query(statement.sql, statement.binds).map(TaskRows.task)
            guard !tasks.isEmpty else { return tasks }
            try await self.recordActions(
                tasks.map { task in
                    let details = Details().with("attempt", task.attempt)
                        .with("lease_expires_at", task.leaseExpiresAt.map(Timestamp.format))
                    return (task.taskID, .claimed, request.workerID, details.json)
                },
                on: connection
            )
            try await self.insertAttempts(tasks, workerID: request.workerID, on: connection)
            return tasks
        }
        return claimed.sorted { ($0.taskPriority, $1.createdAt) > ($1.taskPriority, $0.createdAt) }
    }

    /// The claim statement and its values; `nil` when the request can match nothing.
    func claimStatement(_ request: ClaimRequest) -> (sql: String, binds: [SQLValue])? {
        guard request.limit > 0 else { return nil }
        var binds: [SQLValue] = [.text(request.workerID), .double(request.leaseSeconds), .int(request.limit)]
        var filters = ""
        if let agents = request.agents {
            guard !agents.isEmpty else { return nil }
            filters += " AND agent IN (\(placeholders(from: binds.count + 1, count: agents.count)))"
            binds += agents.sorted().map(SQLValue.text)
        }
        if let batch = request.batchID {
            binds.append(.text(batch))
            filters += " AND batch_id = $\(binds.count)"
        }
        if !request.excludedAgents.isEmpty {
            filters += " AND agent NOT IN (\(placeholders(from: binds.count + 1, count: request.excludedAgents.count)))"
            binds += request.excludedAgents.sorted().map(SQLValue.text)
        }
        let d = dialect
        let sql = """
            WITH picked AS MATERIALIZED (
                SELECT task_id FROM agent_tasks\(request.batchID == nil ? d.claimIndexHint : "")
                WHERE status = 'pending' AND run_after <= \(d.now)\(filters)
                  AND agent NOT IN (SELECT agent FROM agent_holds WHERE hold_until > \(d.now))
                ORDER BY task_priority DESC, \(d.insertionOrder)
                LIMIT $3\(d.skipLocked)
            )
            UPDATE agent_tasks SET status = 'running', assigned_worker_id = $1, attempt = attempt + 1,
                started_at = \(d.now), updated_at = \(d.now), lease_expires_at = \(d.now(plusSeconds: "$2")),
                completed_at = NULL, duration_sec = NULL, result = NULL, exit_code = NULL, session_id = NULL,
                cost_usd = NULL, input_tokens = NULL, output_tokens = NULL, num_turns = NULL,
                peak_memory_bytes = NULL, cpu_user_sec = NULL, cpu_system_sec = NULL, progress = NULL
            WHERE task_id IN (SELECT task_id FROM picked)
            RETURNING \(TaskRows.taskColumns(d))
            """
        return (sql, binds)
    }

    private func insertAttempts(_ tasks: [AgentTask], workerID: String, on connection: any SQLConnection) async throws {
        for batch in tasks.chunked(into: 300) {
            var binds: [SQLValue] = []
            var rows: [String] = []
            for task in batch {
                let base = binds.count
                rows.append("($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), \(dialect.now), $\(base + 5), 'running')")
                // Ready since it was added or its run_after passed, whichever is later.
                binds += [.text(task.taskID), .int(task.attempt), .text(workerID), .text(task.agent),
                          .date(max(task.createdAt, task.runAfter))]
            }
            try await connection.execute(
                """
                INSERT INTO agent_attempts (task_id, attempt, worker_id, agent, started_at, ready_at, outcome)
                VALUES \(rows.joined(separator: ", "))
                """,
                binds
            )
        }
    }

    /// Extends the leases the worker still holds; the others are reported lost.
    public func renewLeases(_ attempts: [AttemptRef], leaseSeconds: Double) async throws -> LeaseRenewal {
        guard !attempts.isEmpty else { return LeaseRenewal() }
        var binds: [SQLValue] = [.double(leaseSeconds)]
        var matches: [String] = []
        for attempt in attempts {
            binds += [.text(attempt.taskID), .text(attempt.workerID), .int(attempt.attempt)]
            let n = binds.count
            matches.append("(task_id = $\(n - 2) AND assigned_worker_id = $\(n - 1) AND attempt = $\(n))")
        }
        let sql = """
            UPDATE agent_tasks SET lease_expires_at = \(dialect.now(plusSeconds: "$1"))
            WHERE status = 'running' AND (\(matches.joined(separator: " OR ")))
            RETURNING task_id, attempt, cancel_requested
            """
        let finalBinds = binds
        let rows = try await database.write(.urgent(deadline: Self.renewalDeadline(leaseSeconds))) { connection in
            try await connection.query(sql, finalBinds).map { row in
                (id: try row.string("task_id"), attempt: try row.int("attempt"), cancel: row.bool("cancel_requested"))
            }
        }
        var renewal = LeaseRenewal()
        for attempt in attempts {
            if let row = rows.first(where: { $0.id == attempt.taskID && $0.attempt == attempt.attempt }) {
                renewal.renewed.append(attempt)
                if row.cancel {
                    renewal.cancelRequested.append(attempt)
                }
            } else {
                renewal.lost.append(attempt)
            }
        }
        return renewal
    }

    /// Renewals give up after a quarter of the lease (at least half a second) and are tried again.
    static func renewalDeadline(_ leaseSeconds: Double) -> Duration {
        .milliseconds(Int64(max(500, leaseSeconds * 250)))
    }

    public func cancelRequests(workerID: String) async throws -> [AttemptRef] {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT task_id, attempt FROM agent_tasks
                WHERE assigned_worker_id = $1 AND status = 'running' AND cancel_requested
                """,
                [.text(workerID)]
            ).map { AttemptRef(taskID: try $0.string("task_id"), workerID: workerID, attempt: try $0.int("attempt")) }
        }
    }

    /// Keeps the task row up to date with what a running agent has done so far.
    public func recordProgress(_ attempt: AttemptRef, _ progress: AgentProgress) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(progress), as: UTF8.self)
        let sql = """
            UPDATE agent_tasks SET session_id = COALESCE($4, session_id), cost_usd = COALESCE($5, cost_usd),
                input_tokens = $6, output_tokens = $7, num_turns = $8, progress = \(dialect.json("$9"))
            WHERE task_id = $1 AND assigned_worker_id = $2 AND attempt = $3 AND status = 'running'
            RETURNING task_id
            """
        let binds: [SQLValue] = [
            .text(attempt.taskID), .text(attempt.workerID), .int(attempt.attempt), SQLValue(progress.sessionID),
            SQLValue(progress.costUSDEstimate), .int(progress.inputTokens), .int(progress.outputTokens),
            .int(progress.turns), .json(json),
        ]
        let updated = try await database.write { connection in
            try await connection.query(sql, binds).count
        }
        if updated == 0 {
            throw StoreError(.leaseLost, "attempt \(attempt) is no longer running on this worker")
        }
    }
}
