import AgentTurboCore
import AgentTurboSQL
import Foundation

/// What `/v1/stats`, `/metrics` and the dashboard's list cost as history grows: the same reads against 1,000,
/// 100,000 and 1,000,000 tasks of history (30 days of finished tasks with their attempts and audit rows, a few
/// pending and running), inserted by SQL. Each figure is the fastest of 25 reads (on a shared machine the fastest
/// is what the read costs; slower ones waited for the CPU), with its ratio to the 1,000-task database: a read whose
/// cost does not grow with history stays near 1x.
enum StatsAtScale {
    static let sizes = [1000, 100_000, 1_000_000]

    struct Read {
        var name: String
        var run: @Sendable (any TaskStore) async throws -> Void
    }

    static let reads: [Read] = [
        Read(name: "stats (/v1/stats, /metrics)") { _ = try await $0.stats() },
        Read(name: "list, newest 50") { _ = try await $0.taskPage(matching: TaskFilter()) },
        Read(name: "list, status=pending") { _ = try await $0.taskPage(matching: TaskFilter(statuses: [.pending])) },
        Read(name: "list, status=failed,cancelled & agent=codex") {
            _ = try await $0.taskPage(matching: TaskFilter(statuses: [.failed, .cancelled], agents: ["codex"]))
        },
        Read(name: "list, page 3 of type=review") { store in
            var filter = TaskFilter(taskTypes: ["review"])
            for _ in 0..<3 {
                filter.after = try await store.taskPage(matching: filter).nextAfter
            }
        },
        Read(name: "search (a window of 20,000)") { store in
            var filter = TaskFilter()
            filter.search = "needle"
            _ = try await store.taskPage(matching: filter)
        },
    ]

    static func run() async throws -> ResultTable {
        var table = ResultTable(
            title: "Stats and lists against 1,000, 100,000 and 1,000,000 tasks of history",
            headers: ["engine", "read"] + sizes.map { "\($0.formatted()) tasks" } + sizes.dropFirst().map { "\($0.formatted()) vs 1,000" }
        )
        for engine in BenchEngine.available {
            var medians: [String: [Double]] = [:]
            for size in sizes {
                let scratch = try Scratch("stats")
                defer { scratch.remove() }
                let (url, store) = try await engine.fresh(scratch)
                let filled = try await Measure.seconds { try await fill(store, url: url, engine: engine, count: size) }
                log("  \(engine.rawValue): \(size) tasks of history inserted in \(format(filled, 1)) s")
                for read in reads {
                    try await read.run(store)  // warm the cache once
                    var times: [Double] = []
                    for _ in 0..<25 {
                        times.append(try await Measure.seconds { try await read.run(store) })
                    }
                    medians[read.name, default: []].append(times.min() ?? .nan)
                }
                try await store.close()
            }
            for read in reads {
                let values = medians[read.name] ?? []
                let base = values.first ?? .nan
                table.add([engine.rawValue, read.name] + values.map { format($0 * 1000, 2) + " ms" }
                    + values.dropFirst().map { format($0 / base, 2) + "x" })
            }
        }
        return table
    }

    /// `count` tasks over the last 30 days, oldest first: the newest 50 pending and the 10 before them running,
    /// the rest finished (1 in 20 failed, 1 in 50 cancelled), each finished one with its attempt; every fifth of
    /// type review, agents in turn claude, codex, simulate; one prompt in 10,000 holds "needle".
    static func fill(_ store: any TaskStore, url: String, engine: BenchEngine, count: Int) async throws {
        let span = 30.0 * 86_400 / Double(count)
        for start in stride(from: 1, through: count, by: 100_000) {
            let end = min(count, start + 99_999)
            let tasks: String
            switch engine {
            case .postgres:
                tasks = """
                    INSERT INTO agent_tasks (task_id, task_type, task_description, task_priority, status, agent,
                        created_at, updated_at, run_after, started_at, completed_at, duration_sec, attempt,
                        assigned_worker_id, error, error_kind, cost_usd)
                    SELECT 'h-' || n, CASE WHEN n % 5 = 0 THEN 'review' ELSE 'general' END,
                        CASE WHEN n % 10000 = 7 THEN 'find the needle ' ELSE 'historical task ' END || n || ' ' || repeat('x', 300),
                        n % 10, \(statusCase(count)), CASE n % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'simulate' END,
                        t, t, t, t + interval '1 second', CASE WHEN n <= \(count - 60) THEN t + interval '31 seconds' END,
                        CASE WHEN n <= \(count - 60) THEN 30.0 END, CASE WHEN n <= \(count - 50) THEN 1 ELSE 0 END,
                        CASE WHEN n <= \(count - 50) THEN 'w-' || (n % 8) END,
                        CASE WHEN n % 20 = 0 AND n <= \(count - 60) THEN 'exit status 1: tests failed' END,
                        CASE WHEN n % 20 = 0 AND n <= \(count - 60) THEN 'agent_error' END,
                        CASE WHEN n <= \(count - 60) THEN 0.01 END
                    FROM (SELECT n, now() - make_interval(secs => (\(count) - n) * \(span)) AS t
                          FROM generate_series(\(start), \(end)) AS n) AS g
                    """
            case .sqlite:
                let time = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%.3f seconds', (\(count) - n) * \(span)))"
                let plus = { (seconds: Int) in
                    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%.3f seconds', (\(count) - n) * \(span) - \(seconds)))"
                }
                tasks = """
                    WITH RECURSIVE g(n) AS (SELECT \(start) UNION ALL SELECT n + 1 FROM g WHERE n < \(end))
                    INSERT INTO agent_tasks (task_id, task_type, task_description, task_priority, status, agent,
                        created_at, updated_at, run_after, started_at, completed_at, duration_sec, attempt,
                        assigned_worker_id, error, error_kind, cost_usd)
                    SELECT 'h-' || n, CASE WHEN n % 5 = 0 THEN 'review' ELSE 'general' END,
                        CASE WHEN n % 10000 = 7 THEN 'find the needle ' ELSE 'historical task ' END || n || ' '
                            || substr(hex(zeroblob(150)), 1, 300),
                        n % 10, \(statusCase(count)), CASE n % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'simulate' END,
                        \(time), \(time), \(time), \(plus(1)), CASE WHEN n <= \(count - 60) THEN \(plus(31)) END,
                        CASE WHEN n <= \(count - 60) THEN 30.0 END, CASE WHEN n <= \(count - 50) THEN 1 ELSE 0 END,
                        CASE WHEN n <= \(count - 50) THEN 'w-' || (n % 8) END,
                        CASE WHEN n % 20 = 0 AND n <= \(count - 60) THEN 'exit status 1: tests failed' END,
                        CASE WHEN n % 20 = 0 AND n <= \(count - 60) THEN 'agent_error' END,
                        CASE WHEN n <= \(count - 60) THEN 0.01 END
                    FROM g
                    """
            }
            let attempts = """
                INSERT INTO agent_attempts (task_id, attempt, worker_id, agent, started_at, finished_at, outcome,
                    duration_sec, cost_usd, input_tokens, output_tokens, ready_at, peak_memory_bytes, cpu_user_sec)
                SELECT task_id, 1, assigned_worker_id, agent, started_at, completed_at, status, duration_sec, cost_usd,
                    1000, 200, created_at, 52428800, 1.5
                FROM agent_tasks WHERE task_id IN (\(idsSQL(start, end, engine: engine)))
                    AND status IN ('completed', 'failed', 'cancelled')
                """
            try await execute(store, url: url, engine: engine, [tasks, attempts])
        }
        if engine == .postgres {
            try await BenchEngine.execute(url, "ANALYZE")
        }
    }

    private static func statusCase(_ count: Int) -> String {
        """
        CASE WHEN n > \(count - 50) THEN 'pending' WHEN n > \(count - 60) THEN 'running' WHEN n % 20 = 0 THEN 'failed'
            WHEN n % 50 = 1 THEN 'cancelled' ELSE 'completed' END
        """
    }

    private static func idsSQL(_ start: Int, _ end: Int, engine: BenchEngine) -> String {
        switch engine {
        case .postgres: "SELECT 'h-' || n FROM generate_series(\(start), \(end)) AS n"
        case .sqlite: "WITH RECURSIVE g(n) AS (SELECT \(start) UNION ALL SELECT n + 1 FROM g WHERE n < \(end)) SELECT 'h-' || n FROM g"
        }
    }

    /// PostgreSQL through a connection of its own (no operation deadline for these big statements); SQLite in
    /// one write transaction of the store.
    private static func execute(_ store: any TaskStore, url: String, engine: BenchEngine, _ statements: [String]) async throws {
        switch engine {
        case .postgres:
            for statement in statements {
                try await BenchEngine.execute(url, statement)
            }
        case .sqlite:
            guard let store = store as? SQLTaskStore else { return }
            try await store.database.write { connection in
                for statement in statements {
                    try await connection.execute(statement)
                }
            }
        }
    }
}
