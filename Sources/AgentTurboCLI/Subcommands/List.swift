import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `list`: tasks, newest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks, newest first.")

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("Only these states (comma-separated): pending, running, completed, failed, cancelled.", valueName: "status"))
        var status: String?

        @Option(name: .long, help: ArgumentHelp("Only this task type.", valueName: "type"))
        var type: String?

        @Option(name: .long, help: ArgumentHelp("Only this agent profile.", valueName: "name"))
        var agent: String?

        @Option(name: .long, help: ArgumentHelp("Most tasks to show (default 50).", valueName: "n"))
        var limit: Int = TaskFilter.defaultLimit

        @Option(name: .long, help: ArgumentHelp("Continue after this task id (the last one of the previous page).", valueName: "id"))
        var after: String?

        @Flag(name: .long, help: "Print a JSON array of tasks.")
        var json = false

        func run() async throws {
            var filter = TaskFilter(limit: limit, after: after)
            if let status {
                filter.statuses = Set(try status.split(separator: ",").map { try TaskStatus.parse(String($0)) })
            }
            filter.taskTypes = type.map { [$0] } ?? []
            filter.agents = agent.map { [$0] } ?? []
            try filter.validate()
            let tasks = try await global.withStore { store in
                if let after, try await store.task(after) == nil {
                    throw InputError("--after names no task: '\(after)' does not exist")
                }
                return try await store.tasks(matching: filter)
            }
            if json {
                try JSONOutput.print(tasks)
                return
            }
            guard !tasks.isEmpty else {
                print("No tasks.")
                return
            }
            var table = TextTable(["TASK_ID", "STATUS", "PRI", "AGENT", "TYPE", "TRIES", "CREATED", "DESCRIPTION"], rightAligned: [2, 5])
            for task in tasks {
                table.add([
                    task.taskID, task.status.rawValue, String(task.taskPriority), task.agent, task.taskType,
                    "\(task.attempt)/\(task.maxRetries + 1)", Formatting.relative(task.createdAt),
                    Formatting.oneLine(task.taskDescription, width: 50),
                ])
            }
            print(table.render())
        }
    }
}
