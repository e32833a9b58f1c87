import AgentTurboCore
import Foundation

/// Trivial agent runs per second through one worker process at concurrency 8, each a real supervisor and agent
/// process: what the queue and the process handling cost per task, SQLite against PostgreSQL.
enum Throughput {
    static func run(tasks: Int = 1000) async throws -> ResultTable {
        var table = ResultTable(title: "Throughput: \(tasks) instant simulated tasks, one worker, concurrency 8",
                                headers: ["engine", "wall time", "tasks/s", "vs SQLite"])
        var baseline = 0.0
        for engine in BenchEngine.available {
            let scratch = try Scratch("throughput")
            defer { scratch.remove() }
            let (url, store) = try await engine.fresh(scratch)
            _ = try await store.submit((1...tasks).map { NewTask(taskDescription: "t\($0)", agent: "simulate") }, by: "bench")
            var worker: Process?
            let elapsed = try await Measure.seconds {
                worker = try AgentTurboBinary.start(
                    ["worker", "--concurrency", "8", "--poll-interval", "0.2s"],
                    environment: ["AGENT_TURBO_HOME": scratch.path, "AGENT_TURBO_DATABASE_URL": url]
                )
                try await store.waitForCompleted(tasks)
            }
            if let worker {
                await AgentTurboBinary.stop(worker)
            }
            try await store.close()
            let rate = Double(tasks) / elapsed
            if baseline == 0 {
                baseline = rate
            }
            table.add([engine.rawValue, format(elapsed, 1) + " s", format(rate, 1), format(rate / baseline, 2) + "x"])
        }
        return table
    }
}
