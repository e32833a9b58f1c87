import AgentTurboCore
import Foundation

/// The benchmarks of the queue run real programs, so their figures are about Agent Turbo, not about an agent:
/// `true` (nothing to do: dispatch cost alone) and `sleep` (time that parallelism should hide), as `command`
/// profiles in a config file, and the same programs under xargs and GNU parallel as baselines.
enum RealPrograms {
    /// A config file giving the `true` and `sleep` profiles (the prompt is sleep's argument).
    static func config(in scratch: Scratch) throws -> String {
        let path = scratch.path + "/config.json"
        let json = #"{"profiles": {"true": {"executable": "/bin/true", "arguments": []}, "sleep": {"executable": "/bin/sleep", "arguments": ["{prompt}"]}}}"#
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func trueTasks(_ count: Int) -> [NewTask] {
        (1...count).map { NewTask(taskDescription: "t\($0)", timeoutSeconds: 60, agent: "true") }
    }

    static func sleepTasks(_ count: Int, seconds: Int) -> [NewTask] {
        (1...count).map { _ in NewTask(taskDescription: String(seconds), timeoutSeconds: 60, agent: "sleep") }
    }

    /// Wall time of a shell pipeline (a baseline), from start to exit.
    static func shell(_ command: String) async throws -> Double {
        try await Measure.seconds {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchFailure("`\(command)` exited \(process.terminationStatus)") }
        }
    }

    static var hasGNUParallel: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel")
    }

    /// Queues `tasks`, starts `workers` worker processes of `concurrency` each, and times them from their start
    /// until every task is completed.
    static func drain(_ tasks: [NewTask], engine: BenchEngine, workers: Int, concurrency: Int) async throws -> Double {
        let scratch = try Scratch("dispatch")
        defer { scratch.remove() }
        let (url, store) = try await engine.fresh(scratch)
        let config = try config(in: scratch)
        _ = try await store.submit(tasks, by: "bench")
        var processes: [Process] = []
        let elapsed = try await Measure.seconds {
            for index in 0..<workers {
                processes.append(try AgentTurboBinary.start(
                    ["worker", "--config", config, "--concurrency", String(concurrency), "--poll-interval", "0.5s",
                     "--worker-id", "bench-\(index)"],
                    environment: ["AGENT_TURBO_HOME": scratch.path, "AGENT_TURBO_DATABASE_URL": url]
                ))
            }
            try await store.waitForCompleted(tasks.count, every: .milliseconds(20))
        }
        for process in processes {
            await AgentTurboBinary.stop(process)
        }
        let failed = try await store.statusCounts(batchID: nil)[.failed] ?? 0
        try await store.close()
        guard failed == 0 else { throw BenchFailure("\(failed) tasks failed") }
        return elapsed
    }
}
