import AgentTurboCore
import Foundation

extension SQLTaskStore {
    public func registerWorker(_ registration: WorkerRegistration) async throws {
        let d = dialect
        try await database.write { connection in
            try await connection.execute(
                """
                INSERT INTO agent_workers (worker_id, hostname, pid, concurrency, state, version, started_at,
                    last_heartbeat_at, stopped_at, running_tasks, hold_reason)
                VALUES ($1, $2, $3, $4, 'running', $5, \(d.now), \(d.now), NULL, 0, NULL)
                ON CONFLICT (worker_id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
                    concurrency = excluded.concurrency, state = 'running', version = excluded.version,
                    started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at,
                    stopped_at = NULL, running_tasks = 0, hold_reason = NULL
                """,
                [
                    .text(registration.workerID), .text(registration.hostname), .int(registration.pid),
                    .int(registration.concurrency), .text(registration.version),
                ]
            )
        }
    }

    public func heartbeat(_ heartbeat: WorkerHeartbeat) async throws {
        let d = dialect
        let stopped = heartbeat.state == .stopped
        try await database.write(.urgent(deadline: .seconds(5))) { connection in
            try await connection.execute(
                """
                UPDATE agent_workers SET state = $2, running_tasks = $3, hold_reason = $4,
                    last_heartbeat_at = \(d.now), stopped_at = \(stopped ? d.now : "NULL"),
                    worktrees = COALESCE($5, worktrees), worktree_bytes = COALESCE($6, worktree_bytes),
                    spool_bytes = COALESCE($7, spool_bytes)
                WHERE worker_id = $1
                """,
                [
                    .text(heartbeat.workerID), .text(heartbeat.state.rawValue), .int(heartbeat.runningTasks),
                    SQLValue(heartbeat.holdReason), SQLValue(heartbeat.worktrees?.count),
                    SQLValue(heartbeat.worktrees?.bytes), SQLValue(heartbeat.spoolBytes),
                ]
            )
        }
    }

    public func workers() async throws -> [WorkerRecord] {
        try await database.read { connection in
            try await connection.query("SELECT * FROM agent_workers ORDER BY started_at DESC, worker_id")
                .map(TaskRows.worker)
        }
    }

    public func markSilentWorkersDead(silentSeconds: Double) async throws -> [String] {
        let d = dialect
        return try await database.write { connection in
            try await connection.query(
                """
                UPDATE agent_workers SET state = 'dead', running_tasks = 0
                WHERE state IN ('running', 'draining') AND \(d.secondsSince("last_heartbeat_at")) > $1
                RETURNING worker_id
                """,
                [.double(silentSeconds)]
            ).map { try $0.string("worker_id") }
        }
    }

    public func acquireLeadership(_ role: String, holder: String, leaseSeconds: Double) async throws -> Bool {
        let d = dialect
        return try await database.write { connection in
            let rows = try await connection.query(
                """
                INSERT INTO agent_turbo_leaders (role, holder, expires_at) VALUES ($1, $2, \(d.now(plusSeconds: "$3")))
                ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE agent_turbo_leaders.holder = excluded.holder OR agent_turbo_leaders.expires_at < \(d.now)
                RETURNING holder
                """,
                [.text(role), .text(holder), .double(leaseSeconds)]
            )
            return try rows.first?.string("holder") == holder
        }
    }

    public func hold(_ hold: AgentHold) async throws {
        try await database.write { connection in
            try await self.extendHold(hold, on: connection)
        }
    }

    /// Sets or lengthens a hold; a shorter one never shortens a longer one already in place. A change is
    /// recorded in `agent_hold_actions` as `held`.
    func extendHold(_ hold: AgentHold, on connection: any SQLConnection) async throws {
        let changed = try await connection.query(
            """
            INSERT INTO agent_holds (agent, hold_until, reason, updated_at) VALUES ($1, $2, $3, \(dialect.now))
            ON CONFLICT (agent) DO UPDATE SET hold_until = excluded.hold_until, reason = excluded.reason,
                updated_at = excluded.updated_at
            WHERE agent_holds.hold_until < excluded.hold_until
            RETURNING agent
            """,
            [.text(hold.agent), .date(hold.until), .text(hold.reason)]
        )
        if !changed.isEmpty {
            try await recordHoldAction(hold.agent, "held", actor: nil, until: hold.until, reason: hold.reason, on: connection)
        }
    }

    public func activeHolds() async throws -> [AgentHold] {
        let d = dialect
        return try await database.read { connection in
            try await Self.activeHolds(connection, d)
        }
    }

    static func activeHolds(_ connection: any SQLConnection, _ d: any SQLDialect, agent: String? = nil) async throws
        -> [AgentHold]
    {
        try await connection.query(
            """
            SELECT agent, hold_until, reason FROM agent_holds WHERE hold_until > \(d.now)
            \(agent == nil ? "" : "AND agent = $1") ORDER BY agent
            """,
            agent.map { [.text($0)] } ?? []
        ).map { row in
            AgentHold(agent: try row.string("agent"), until: try row.date("hold_until"), reason: try row.string("reason"))
        }
    }

    public func clearHold(_ agent: String, by actor: String?) async throws -> AgentHold {
        let d = dialect
        let cleared = try await database.write { connection -> AgentHold in
            guard let hold = try await Self.activeHolds(connection, d, agent: agent).first else {
                let held = try await Self.activeHolds(connection, d).map(\.agent)
                throw StoreError(
                    .notFound,
                    "profile '\(agent)' is not held back"
                        + (held.isEmpty ? ": no profile is" : ": held back are \(held.joined(separator: ", "))")
                )
            }
            // Deleting the row (not only the active one) also wakes PostgreSQL's workers through its trigger.
            try await connection.execute("DELETE FROM agent_holds WHERE agent = $1", [.text(agent)])
            try await self.recordHoldAction(
                agent, "cleared", actor: actor, until: hold.until, reason: hold.reason, on: connection
            )
            return hold
        }
        database.publish([.tasksAvailable])
        return cleared
    }

    public func holdActions(for agent: String) async throws -> [HoldAction] {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT id, agent, action, actor, hold_until, reason, created_at FROM agent_hold_actions
                WHERE agent = $1 ORDER BY id
                """,
                [.text(agent)]
            ).map { row in
                HoldAction(
                    id: Int64(try row.int("id")), agent: try row.string("agent"), action: try row.string("action"),
                    actor: row.optionalString("actor"), holdUntil: row.optionalDate("hold_until"),
                    reason: row.optionalString("reason"), createdAt: try row.date("created_at")
                )
            }
        }
    }

    private func recordHoldAction(
        _ agent: String, _ action: String, actor: String?, until: Date?, reason: String?, on connection: any SQLConnection
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO agent_hold_actions (agent, action, actor, hold_until, reason, created_at)
            VALUES ($1, $2, $3, $4, $5, \(dialect.now))
            """,
            [.text(agent), .text(action), SQLValue(actor), SQLValue(until), SQLValue(reason)]
        )
    }
}
