import AgentTurboCore
import Foundation

/// Stats whose cost does not grow with history: counts and totals come from the counter tables that triggers
/// keep in the transaction of every change (schema 4), windows of recent activity from per-minute rows, the
/// queue from partial indexes on pending tasks, and percentiles from the most recent attempts read by index.
extension SQLTaskStore {
    /// How many recent attempts the per-profile percentiles and the queue wait look at.
    static let statsSampleSize = 2000

    public func stats() async throws -> QueueStats {
        let d = dialect
        let now = Date()
        return try await database.read { connection in
            var counts: [String: Int] = [:]
            for row in try await connection.query(
                "SELECT status, CAST(SUM(n) AS BIGINT) AS n FROM agent_task_counts GROUP BY status"
            ) {
                counts[try row.string("status")] = try row.int("n")
            }
            // Pending tasks: the delayed ones from their index, the oldest ready one from the front of the list
            // index of pending tasks (normally the first it reads).
            let delayed = try await connection.query(
                "SELECT COUNT(*) AS n FROM agent_tasks WHERE status = 'pending' AND run_after > \(d.now)"
            ).first?.optionalInt("n") ?? 0
            let oldest = try await connection.query(
                """
                SELECT created_at FROM agent_tasks WHERE status = 'pending' AND run_after <= \(d.now)
                ORDER BY created_at LIMIT 1
                """
            ).first?.optionalDate("created_at")
            let lastMinute = try await connection.query(
                """
                SELECT COUNT(*) AS n FROM agent_tasks WHERE status = 'completed'
                    AND completed_at > \(d.now(plusSeconds: "$1"))
                """,
                [.double(-60)]
            ).first?.optionalInt("n") ?? 0
            let live = try await connection.query(
                "SELECT COUNT(*) AS n FROM agent_workers WHERE state IN ('running', 'draining')"
            ).first?.optionalInt("n") ?? 0
            // Workers on one host usually share its worktrees and run directory (one home): count each host once.
            let worktrees = try await connection.query(
                """
                SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS worktrees, CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS worktree_bytes,
                    CAST(COALESCE(SUM(spooled), 0) AS BIGINT) AS spool_bytes
                FROM (SELECT MAX(worktrees) AS n, MAX(worktree_bytes) AS bytes, MAX(spool_bytes) AS spooled FROM agent_workers
                      WHERE state IN ('running', 'draining') GROUP BY hostname) AS hosts
                """
            ).first
            let hour = ActivityBucket.series(
                try await Self.activity(connection, span: 60, since: now.addingTimeInterval(-3660)), now: now, width: 60, count: 60
            )
            let day = ActivityBucket.series(
                try await Self.activity(connection, span: 900, since: now.addingTimeInterval(-87_300)), now: now, width: 900,
                count: 96
            )
            let agents = try await Self.agentStats(connection)
            let pending = counts[TaskStatus.pending.rawValue] ?? 0
            return QueueStats(
                countsByStatus: counts.filter { $0.value != 0 },
                ready: max(0, pending - delayed),
                delayed: delayed,
                completedLastMinute: lastMinute,
                completedLastHour: hour.reduce(0) { $0 + $1.completed },
                failedLastHour: hour.reduce(0) { $0 + $1.failed },
                oldestReadyAt: oldest,
                totalCostUSD: agents.reduce(0) { $0 + $1.costUSD },
                totalInputTokens: agents.reduce(0) { $0 + $1.inputTokens },
                totalOutputTokens: agents.reduce(0) { $0 + $1.outputTokens },
                liveWorkers: live,
                queueWait: try await Self.queueWait(connection, d),
                agents: agents.map(\.stats),
                worktrees: worktrees?.optionalInt("worktrees") ?? 0,
                worktreeBytes: worktrees?.optionalInt("worktree_bytes") ?? 0,
                spoolBytes: worktrees?.optionalInt("spool_bytes") ?? 0,
                holds: try await Self.activeHolds(connection, d),
                activityLastHour: hour,
                activityLastDay: day
            )
        }
    }

    /// Finished attempts per bucket of `span` seconds (60 or 900) since `date`, summed over the shards: at most
    /// 97 rows, read by the table's key.
    private static func activity(_ connection: any SQLConnection, span: Int, since date: Date) async throws -> [ActivityBucket] {
        try await connection.query(
            """
            SELECT bucket_start, CAST(SUM(completed) AS BIGINT) AS completed, CAST(SUM(failed) AS BIGINT) AS failed,
                CAST(SUM(retried) AS BIGINT) AS retried, SUM(cost_usd) AS cost_usd
            FROM agent_activity WHERE span_sec = $1 AND bucket_start >= $2 GROUP BY bucket_start
            """,
            [.int(span), .date(date)]
        ).map { row in
            ActivityBucket(
                start: try row.date("bucket_start"), completed: row.optionalInt("completed") ?? 0,
                failed: row.optionalInt("failed") ?? 0, retried: row.optionalInt("retried") ?? 0,
                costUSD: row.optionalDouble("cost_usd") ?? 0
            )
        }
    }

    /// The nearest-rank median and 95th percentile of `value` per `group` over the rows `source` selects, ranked
    /// by the database: one row per group comes back, however many rows the window holds.
    private static func percentilesSQL(source: String, group: String, value: String) -> String {
        """
        SELECT \(group) AS grp, n, MAX(CASE WHEN rn = (50 * n + 99) / 100 THEN v END) AS p50,
            MAX(CASE WHEN rn = (95 * n + 99) / 100 THEN v END) AS p95
        FROM (SELECT \(group), v, ROW_NUMBER() OVER (PARTITION BY \(group) ORDER BY v) AS rn,
                  COUNT(*) OVER (PARTITION BY \(group)) AS n
              FROM (SELECT \(group), \(value) AS v FROM (\(source)) AS recent) AS valued WHERE v IS NOT NULL) AS ranked
        GROUP BY \(group), n
        """
    }

    private static func percentiles(_ row: SQLRow) -> Percentiles? {
        guard let samples = row.optionalInt("n"), let median = row.optionalDouble("p50"), let p95 = row.optionalDouble("p95")
        else { return nil }
        return Percentiles(median: median, p95: p95, samples: samples)
    }

    /// Ready-to-start times of the most recent attempts (those recorded since schema version 2).
    private static func queueWait(_ connection: any SQLConnection, _ d: any SQLDialect) async throws -> Percentiles? {
        let source = """
            SELECT 'all' AS scope, \(d.seconds(from: "ready_at", to: "started_at")) AS wait FROM agent_attempts
            WHERE ready_at IS NOT NULL ORDER BY started_at DESC LIMIT \(statsSampleSize)
            """
        let rows = try await connection.query(
            percentilesSQL(source: source, group: "scope", value: "CASE WHEN wait < 0 THEN 0 ELSE wait END")
        )
        return rows.first.flatMap(percentiles)
    }

    /// A profile's totals over all time (from the counters) and its percentiles over the recent attempts.
    private struct AgentTotals {
        var stats: AgentStats
        var inputTokens: Int
        var outputTokens: Int
        var costUSD: Double { stats.costUSD }
    }

    private static func agentStats(_ connection: any SQLConnection) async throws -> [AgentTotals] {
        var totals: [String: AgentTotals] = [:]
        for row in try await connection.query(
            """
            SELECT agent, CAST(SUM(attempts) AS BIGINT) AS attempts, CAST(SUM(completed) AS BIGINT) AS completed,
                CAST(SUM(failed) AS BIGINT) AS failed, SUM(cost_usd) AS cost,
                CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, CAST(SUM(output_tokens) AS BIGINT) AS output_tokens
            FROM agent_attempt_totals GROUP BY agent
            """
        ) {
            let agent = try row.string("agent")
            let attempts = row.optionalInt("attempts") ?? 0
            guard attempts > 0 else { continue }
            totals[agent] = AgentTotals(
                stats: AgentStats(
                    agent: agent, attempts: attempts, completed: row.optionalInt("completed") ?? 0,
                    failed: row.optionalInt("failed") ?? 0, costUSD: row.optionalDouble("cost") ?? 0, duration: nil,
                    peakMemoryBytes: nil, cpuSec: nil
                ),
                inputTokens: row.optionalInt("input_tokens") ?? 0, outputTokens: row.optionalInt("output_tokens") ?? 0
            )
        }
        let recent = """
            SELECT agent, duration_sec, peak_memory_bytes, cpu_user_sec, cpu_system_sec FROM agent_attempts
            WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT \(statsSampleSize)
            """
        let measures: [(String, WritableKeyPath<AgentStats, Percentiles?>)] = [
            ("duration_sec", \.duration), ("peak_memory_bytes", \.peakMemoryBytes),
            ("cpu_user_sec + COALESCE(cpu_system_sec, 0)", \.cpuSec),
        ]
        for (value, keyPath) in measures {
            for row in try await connection.query(percentilesSQL(source: recent, group: "agent", value: value)) {
                if let agent = row.optionalString("grp"), totals[agent] != nil {
                    totals[agent]?.stats[keyPath: keyPath] = percentiles(row)
                }
            }
        }
        return totals.values.sorted { $0.stats.agent < $1.stats.agent }
    }
}
