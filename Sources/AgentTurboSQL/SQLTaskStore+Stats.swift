import AgentTurboCore
import Foundation

extension SQLTaskStore {
    /// How many recent attempts the per-profile percentiles look at.
    static let statsSampleSize = 5000

    public func stats() async throws -> QueueStats {
        let d = dialect
        return try await database.read { connection in
            var counts: [String: Int] = [:]
            for row in try await connection.query("SELECT status, COUNT(*) AS n FROM agent_tasks GROUP BY status") {
                counts[try row.string("status")] = try row.int("n")
            }
            let pending = try await connection.query(
                """
                SELECT COALESCE(SUM(CASE WHEN run_after <= \(d.now) THEN 1 ELSE 0 END), 0) AS ready,
                    COALESCE(SUM(CASE WHEN run_after > \(d.now) THEN 1 ELSE 0 END), 0) AS delayed,
                    MIN(CASE WHEN run_after <= \(d.now) THEN created_at END) AS oldest
                FROM agent_tasks WHERE status = 'pending'
                """
            ).first
            let recent = try await connection.query(
                """
                SELECT COALESCE(SUM(CASE WHEN status = 'completed' AND completed_at > \(d.now(plusSeconds: "$1")) THEN 1 ELSE 0 END), 0) AS minute,
                    COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS hour,
                    COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed
                FROM agent_tasks WHERE completed_at > \(d.now(plusSeconds: "$2"))
                """,
                [.double(-60), .double(-3600)]
            ).first
            let totals = try await connection.query(
                """
                SELECT COALESCE(SUM(cost_usd), 0) AS cost, CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens,
                    CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens FROM agent_attempts
                """
            ).first
            let live = try await connection.query(
                "SELECT COUNT(*) AS n FROM agent_workers WHERE state IN ('running', 'draining')"
            ).first?.optionalInt("n") ?? 0
            // Workers on one host usually share its worktrees (one home): count each host once.
            let worktrees = try await connection.query(
                """
                SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS worktrees, CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS worktree_bytes
                FROM (SELECT MAX(worktrees) AS n, MAX(worktree_bytes) AS bytes FROM agent_workers
                      WHERE state IN ('running', 'draining') GROUP BY hostname) AS hosts
                """
            ).first
            let agents = try await Self.agentStats(connection)
            let queueWait = try await Self.queueWait(connection)
            return QueueStats(
                countsByStatus: counts,
                ready: pending?.optionalInt("ready") ?? 0,
                delayed: pending?.optionalInt("delayed") ?? 0,
                completedLastMinute: recent?.optionalInt("minute") ?? 0,
                completedLastHour: recent?.optionalInt("hour") ?? 0,
                failedLastHour: recent?.optionalInt("failed") ?? 0,
                oldestReadyAt: pending?.optionalDate("oldest"),
                totalCostUSD: totals?.optionalDouble("cost") ?? 0,
                totalInputTokens: totals?.optionalInt("input_tokens") ?? 0,
                totalOutputTokens: totals?.optionalInt("output_tokens") ?? 0,
                liveWorkers: live,
                queueWait: queueWait,
                agents: agents,
                worktrees: worktrees?.optionalInt("worktrees") ?? 0,
                worktreeBytes: worktrees?.optionalInt("worktree_bytes") ?? 0
            )
        }
    }

    /// Ready-to-start times of the most recent attempts (those recorded since schema version 2).
    private static func queueWait(_ connection: any SQLConnection) async throws -> Percentiles? {
        let rows = try await connection.query(
            "SELECT started_at, ready_at FROM agent_attempts WHERE ready_at IS NOT NULL ORDER BY started_at DESC LIMIT $1",
            [.int(statsSampleSize)]
        )
        return Percentiles(try rows.map { row in
            max(0, try row.date("started_at").timeIntervalSince(try row.date("ready_at")))
        })
    }

    /// Per profile: attempt counts over all time, percentiles over the most recent finished attempts.
    private static func agentStats(_ connection: any SQLConnection) async throws -> [AgentStats] {
        var stats: [String: AgentStats] = [:]
        for row in try await connection.query(
            """
            SELECT agent, COUNT(*) AS attempts,
                COALESCE(SUM(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END), 0) AS completed,
                COALESCE(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
                COALESCE(SUM(cost_usd), 0) AS cost
            FROM agent_attempts WHERE finished_at IS NOT NULL GROUP BY agent
            """
        ) {
            let agent = try row.string("agent")
            stats[agent] = AgentStats(
                agent: agent, attempts: try row.int("attempts"), completed: try row.int("completed"),
                failed: try row.int("failed"), costUSD: row.optionalDouble("cost") ?? 0, duration: nil,
                peakMemoryBytes: nil, cpuSec: nil
            )
        }
        var durations: [String: [Double]] = [:]
        var memory: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        for row in try await connection.query(
            """
            SELECT agent, duration_sec, peak_memory_bytes, cpu_user_sec, cpu_system_sec FROM agent_attempts
            WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT $1
            """,
            [.int(statsSampleSize)]
        ) {
            let agent = try row.string("agent")
            if let duration = row.optionalDouble("duration_sec") {
                durations[agent, default: []].append(duration)
            }
            if let peak = row.optionalDouble("peak_memory_bytes") {
                memory[agent, default: []].append(peak)
            }
            if let user = row.optionalDouble("cpu_user_sec") {
                cpu[agent, default: []].append(user + (row.optionalDouble("cpu_system_sec") ?? 0))
            }
        }
        for agent in stats.keys {
            stats[agent]?.duration = Percentiles(durations[agent] ?? [])
            stats[agent]?.peakMemoryBytes = Percentiles(memory[agent] ?? [])
            stats[agent]?.cpuSec = Percentiles(cpu[agent] ?? [])
        }
        return stats.values.sorted { $0.agent < $1.agent }
    }
}
