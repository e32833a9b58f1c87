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
                    worktrees = COALESCE($5, worktrees), worktree_bytes = COALESCE($6, worktree_bytes)
                WHERE worker_id = $1
                """,
                [
                    .text(heartbeat.workerID), .text(heartbeat.state.rawValue), .int(heartbeat.runningTasks),
                    SQLValue(heartbeat.holdReason), SQLValue(heartbeat.worktrees?.count),
                    SQLValue(heartbeat.worktrees?.bytes),
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

    /// Sets or lengthens a hold; a shorter one never shortens a longer one already in place.
    func extendHold(_ hold: AgentHold, on connection: any SQLConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO agent_holds (agent, hold_until, reason, updated_at) VALUES ($1, $2, $3, \(dialect.now))
            ON CONFLICT (agent) DO UPDATE SET hold_until = excluded.hold_until, reason = excluded.reason,
                updated_at = excluded.updated_at
            WHERE agent_holds.hold_until < excluded.hold_until
            """,
            [.text(hold.agent), .date(hold.until), .text(hold.reason)]
        )
    }

    public func activeHolds() async throws -> [AgentHold] {
        let d = dialect
        return try await database.read { connection in
            try await connection.query(
                "SELECT agent, hold_until, reason FROM agent_holds WHERE hold_until > \(d.now) ORDER BY agent"
            ).map { row in
                AgentHold(agent: try row.string("agent"), until: try row.date("hold_until"), reason: try row.string("reason"))
            }
        }
    }
}
