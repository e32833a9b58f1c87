import AgentTurboCore
import Foundation

/// The store alone, no agents: a 10,000-task batch in one transaction, and claims against a small and a large
/// backlog (the claim index should make their cost independent of how many tasks wait).
enum StoreOperations {
    /// The batch against the seed's way, one `INSERT` transaction per task (1,000 of them, to keep it short).
    static func batchSubmit(tasks: Int = 10_000, oneByOne: Int = 1000) async throws -> ResultTable {
        var table = ResultTable(title: "Submitting tasks: a \(tasks)-task batch in one transaction against \(oneByOne) single submits",
                                headers: ["engine", "how", "median of 3", "tasks/s", "vs one by one"])
        for engine in BenchEngine.available {
            var single: [Double] = []
            var batched: [Double] = []
            for _ in 1...3 {
                let scratch = try Scratch("submit")
                defer { scratch.remove() }
                let (_, store) = try await engine.fresh(scratch)
                let batch = (1...tasks).map { NewTask(taskDescription: "task \($0)", agent: "simulate") }
                batched.append(try await Measure.seconds { _ = try await store.submit(batch, by: "bench") })
                single.append(try await Measure.seconds {
                    for task in batch.prefix(oneByOne) {
                        _ = try await store.submit([NewTask(taskDescription: task.taskDescription, agent: "simulate")], by: "bench")
                    }
                })
                try await store.close()
            }
            let singleRate = Double(oneByOne) / Measure.median(single)
            let batchRate = Double(tasks) / Measure.median(batched)
            table.add([engine.rawValue, "\(oneByOne) single submits", format(Measure.median(single)) + " s", format(singleRate, 0), "1.0x"])
            table.add([engine.rawValue, "one batch of \(tasks)", format(Measure.median(batched)) + " s", format(batchRate, 0),
                       format(batchRate / singleRate, 1) + "x"])
        }
        return table
    }

    static func claimsAgainstBacklog(small: Int = 5000, large: [BenchEngine: Int]) async throws -> ResultTable {
        var table = ResultTable(title: "Claiming 10 tasks at a time (200 claims), small against large backlog",
                                headers: ["engine", "backlog", "per claim (median)", "vs small backlog"])
        for engine in BenchEngine.available {
            var baseline = 0.0
            for backlog in [small, large[engine] ?? small] {
                let scratch = try Scratch("claims")
                defer { scratch.remove() }
                let (url, store) = try await engine.fresh(scratch)
                try await fill(store, url: url, engine: engine, count: backlog)
                var times: [Double] = []
                for round in 0..<200 {
                    times.append(try await Measure.seconds {
                        _ = try await store.claim(ClaimRequest(workerID: "bench-\(round % 4)", limit: 10, leaseSeconds: 600))
                    })
                }
                try await store.close()
                let median = Measure.median(times)
                if baseline == 0 {
                    baseline = median
                }
                table.add([engine.rawValue, String(backlog), format(median * 1000, 2) + " ms", format(median / baseline, 2) + "x"])
            }
        }
        return table
    }

    /// Pending tasks with spread priorities; PostgreSQL's large backlog is inserted by SQL in one statement, and
    /// every PostgreSQL backlog is analyzed.
    static func fill(_ store: any TaskStore, url: String, engine: BenchEngine, count: Int) async throws {
        if engine == .postgres, count > 50_000 {
            try await BenchEngine.execute(url, """
                INSERT INTO agent_tasks (task_id, task_description, task_priority, agent)
                SELECT 'bulk-' || n, 'task ' || n, n % 10, 'simulate' FROM generate_series(1, \(count)) AS n
                """)
            try await BenchEngine.execute(url, "ANALYZE agent_tasks")
            return
        }
        for start in stride(from: 0, to: count, by: 10_000) {
            let batch = (start..<min(count, start + 10_000)).map {
                NewTask(taskDescription: "task \($0)", taskPriority: $0 % 10, agent: "simulate")
            }
            _ = try await store.submit(batch, by: "bench")
        }
        if engine == .postgres {
            // Both backlogs with fresh statistics, so that the planner is compared with itself.
            try await BenchEngine.execute(url, "ANALYZE agent_tasks")
        }
    }
}
