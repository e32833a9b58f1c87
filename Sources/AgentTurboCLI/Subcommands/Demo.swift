import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorker
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `demo`: a newcomer's first run, with the built-in simulated agent, so no agent CLI is needed.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a batch of simulated agent tasks one at a time, then all at once, and show the speed-up."
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("How many tasks (default 8).", valueName: "n"))
        var tasks: Int = 8

        @Option(name: .long, help: ArgumentHelp("How long each simulated agent works (default 2s).", valueName: "duration"))
        var seconds: String = "2s"

        @Option(name: .long, help: ArgumentHelp("Agents at once in the parallel run (default: as many as tasks).", valueName: "n"))
        var concurrency: Int?

        static let prompts = [
            "Calculate 5 + 7 and return the result", "List 3 prime numbers", "Analyze security of auth.py module",
            "Summarize the README", "Find TODO comments in src/", "Write a unit test for parse_duration",
            "Explain the retry policy", "Review the last commit",
        ]

        func run() async throws {
            guard (1...200).contains(tasks) else { throw InputError("--tasks must be between 1 and 200") }
            let work = try DurationText.seconds(seconds, what: "--seconds")
            let parallel = concurrency ?? tasks
            let logger = global.logger("agent-turbo.demo", quietByDefault: true)
            let profiles = try global.profiles()
            let home = global.home
            let batch = (0..<tasks).map { index in
                NewTask(
                    taskType: "demo", taskDescription: "sleep=\(work) cost=0.0042 \(Self.prompts[index % Self.prompts.count])",
                    timeoutSeconds: Int(work * 10 + 30), agent: "simulate", workingDir: FileManager.default.currentDirectoryPath
                )
            }
            print("Agent Turbo demo: \(tasks) tasks for the built-in simulated agent, each working \(DurationText.format(work)).")
            try await global.withStore { store in
                print("Database: \(store.location)\n")
                var configuration = WorkerConfiguration(workerID: WorkerConfiguration.defaultWorkerID() + ":demo", runDirectory: home + "/run")
                configuration.pollInterval = 0.2
                configuration.concurrency = 1
                let serial = try await BatchRun(store: store, profiles: profiles, configuration: configuration, logger: logger, label: "one at a time:  ")
                    .execute(batch)
                print("One at a time:".padding(toLength: 17, withPad: " ", startingAt: 0) + String(format: "%d tasks in %6.1f s", serial.tasks.count, serial.seconds))
                configuration.concurrency = parallel
                let fast = try await BatchRun(store: store, profiles: profiles, configuration: configuration, logger: logger, label: "\(parallel) at once:  ")
                    .execute(batch)
                print("\(parallel) at once:".padding(toLength: 17, withPad: " ", startingAt: 0) + String(format: "%d tasks in %6.1f s", fast.tasks.count, fast.seconds))
                print(String(format: "\nSpeed-up: %.1fx with %d agents side by side.\n", serial.seconds / max(fast.seconds, 0.001), parallel))
                print(Summary.table(fast.tasks))
                let failed = (serial.tasks + fast.tasks).filter { $0.status != .completed }
                if !failed.isEmpty {
                    print("\n\(failed.count) task(s) did not complete: `agent-turbo show \(failed[0].taskID)` says why.")
                    throw ExitCode(1)
                }
                print("\nNext: agent-turbo list --type demo · agent-turbo show \(fast.tasks[0].taskID) · agent-turbo stats")
            }
        }
    }
}
