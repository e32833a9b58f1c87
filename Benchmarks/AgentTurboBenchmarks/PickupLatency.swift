import AgentTurboCore
import Foundation

/// How long an idle worker takes to start a task submitted by another process: the seed polled every second;
/// Agent Turbo is woken by the inotify-watched wake file on SQLite and by NOTIFY on PostgreSQL. The baseline is
/// the seed's way: SQLite with the wake file off and a 1 s poll.
/// Measured with the database's own clock: the attempt's `started_at` minus the task's `created_at`.
enum PickupLatency {
    static func run(samples: Int = 20) async throws -> ResultTable {
        var table = ResultTable(title: "Pick-up latency of an idle worker, task submitted by another process (\(samples) tasks)",
                                headers: ["engine, wake-up", "median", "p95", "vs the seed's 1 s poll"])
        var baseline = 0.0
        var cases: [(BenchEngine, String, [String], [String: String])] = [
            (.sqlite, "SQLite, 1 s poll, no wake file (as the seed)", ["--poll-interval", "1s"], ["AGENT_TURBO_SQLITE_WAKE_FILE": "0"]),
            (.sqlite, "SQLite, wake file (poll 60 s)", ["--poll-interval", "60s"], [:]),
        ]
        if BenchEngine.available.contains(.postgres) {
            cases.append((.postgres, "PostgreSQL, LISTEN/NOTIFY (poll 60 s)", ["--poll-interval", "60s"], [:]))
        }
        for (engine, label, options, extraEnvironment) in cases {
            let scratch = try Scratch("pickup")
            defer { scratch.remove() }
            let (url, store) = try await engine.fresh(scratch)
            let worker = try AgentTurboBinary.start(
                ["worker", "--concurrency", "2"] + options,
                environment: ["AGENT_TURBO_HOME": scratch.path, "AGENT_TURBO_DATABASE_URL": url]
                    .merging(extraEnvironment) { $1 }
            )
            while try await store.workers().isEmpty {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(500))
            var latencies: [Double] = []
            for index in 1...samples {
                // Spread submissions over the poll cycle so the poll is not favoured.
                try await Task.sleep(for: .milliseconds(137 * (index % 7) + 100))
                let task = try await store.submit(NewTask(taskDescription: "pickup \(index)", agent: "simulate"))
                var attempt: AttemptRecord?
                while attempt == nil {
                    try await Task.sleep(for: .milliseconds(10))
                    attempt = try await store.attempts(for: task.taskID).first
                }
                latencies.append(attempt!.startedAt.timeIntervalSince(task.createdAt))
            }
            await AgentTurboBinary.stop(worker)
            try await store.close()
            let median = Measure.median(latencies)
            if baseline == 0 {
                baseline = median
            }
            table.add([label, format(median * 1000, 1) + " ms", format(Measure.percentile(latencies, 0.95) * 1000, 1) + " ms",
                       format(baseline / median, 1) + "x faster"])
        }
        return table
    }
}
