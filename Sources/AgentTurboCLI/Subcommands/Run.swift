import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorker
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `run`: submit a batch and run it here to the end.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a batch of tasks (JSON lines) and run it here to the end, with a live progress line and a summary; exits 1 if any task did not complete."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var task: TaskOptions
        @OptionGroup var worker: WorkerOptions

        @Argument(help: "JSON lines file of tasks, or - for standard input.")
        var file: String

        @Flag(name: .long, help: "Print the finished tasks as a JSON array instead of the summary table.")
        var json = false

        func run() async throws {
            try CommandLineText.requireUTF8()
            let cwd = FileManager.default.currentDirectoryPath
            let profiles = try global.profiles()
            let (data, source) = try TaskFileReader.read(file)
            let template = try task.template(description: "", currentDirectory: cwd)
            let tasks = try TaskLines.parse(
                data, source: source, template: template, relativeTo: cwd, catalog: profiles.catalog
            )
            let logger = global.logger("agent-turbo.run", quietByDefault: true)
            let configuration = try worker.configuration(global)
            let (finished, seconds) = try await global.withStore { store in
                try await BatchRun(store: store, profiles: profiles, configuration: configuration, logger: logger)
                    .execute(tasks)
            }
            if json {
                try JSONOutput.print(finished)
            } else {
                print(Summary.table(finished))
                print(Summary.line(finished, seconds: seconds))
            }
            if finished.contains(where: { $0.status != .completed }) {
                throw ExitCode(1)
            }
        }
    }
}

/// The summary `run` prints at the end.
enum Summary {
    static func table(_ tasks: [AgentTask]) -> String {
        var table = TextTable(["TASK_ID", "STATUS", "TRIES", "TIME", "COST", "RESULT / ERROR"], rightAligned: [2, 3, 4])
        for task in tasks {
            let outcome = task.status == .completed ? task.result : (task.error ?? task.result)
            table.add([
                task.taskID, task.status.rawValue, String(task.attempt), Formatting.seconds(task.durationSec),
                Formatting.cost(task.costUSD), Formatting.oneLine(outcome, width: 60),
            ])
        }
        return table.render()
    }

    static func line(_ tasks: [AgentTask], seconds: Double) -> String {
        let counts = Dictionary(grouping: tasks, by: \.status).mapValues(\.count)
        let parts = TaskStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
        let cost = tasks.compactMap(\.costUSD).reduce(0, +)
        return "\(tasks.count) task\(tasks.count == 1 ? "" : "s"): \(parts.joined(separator: ", ")) in \(String(format: "%.1f", seconds)) s, cost \(Formatting.cost(cost))."
    }
}
