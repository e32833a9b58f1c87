import Foundation

/// The whole point: N two-second agent runs, one at a time (the seed's single-threaded worker), two at a
/// time (the seed's MVP) and all at once, through `agent-turbo run`.
enum ParallelSpeedup {
    static func run(tasks: Int = 16, seconds: Double = 2) async throws -> ResultTable {
        var table = ResultTable(title: "Parallel speed-up: \(tasks) simulated agents of \(format(seconds, 0)) s each (SQLite)",
                                headers: ["concurrency", "wall time", "speed-up vs 1"])
        let lines = (1...tasks).map { #"{"task_description": "sleep=\#(seconds) task \#($0)"}"# }.joined(separator: "\n")
        var baseline = 0.0
        for concurrency in [1, 2, tasks] {
            let scratch = try Scratch("speedup")
            defer { scratch.remove() }
            let elapsed = try await Measure.seconds {
                let status = try await AgentTurboBinary.run(
                    ["run", "-", "--agent", "simulate", "--concurrency", String(concurrency), "--poll-interval", "0.1s"],
                    environment: ["AGENT_TURBO_HOME": scratch.path], stdin: Data(lines.utf8)
                )
                guard status == 0 else { throw BenchFailure("agent-turbo run exited \(status)") }
            }
            if concurrency == 1 {
                baseline = elapsed
            }
            table.add([String(concurrency), format(elapsed) + " s", format(baseline / elapsed, 1) + "x"])
        }
        return table
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
