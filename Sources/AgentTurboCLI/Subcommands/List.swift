import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `list`: tasks, newest first, prompts and results as previews (`show` has them whole).
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tasks, newest first.",
            discussion: """
                Prompts and results are previews of their first 200 characters (task_description_bytes and \
                result_bytes give the full sizes in --json); `agent-turbo show ID` has them whole.
                """
        )

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

        @Option(name: .long, help: ArgumentHelp("Only tasks whose id is this, or whose prompt or error contains it (each page searches the next 20,000 tasks).", valueName: "text"))
        var search: String?

        @Flag(name: .long, help: "Print a JSON array of tasks.")
        var json = false

        func run() async throws {
            var filter = TaskFilter(limit: limit, after: after)
            if let status {
                filter.statuses = Set(try status.split(separator: ",").map { try TaskStatus.parse(String($0)) })
            }
            filter.taskTypes = type.map { [$0] } ?? []
            filter.agents = agent.map { [$0] } ?? []
            filter.search = search
            try filter.validate()
            let page: TaskPage
            do {
                page = try await global.withStore { try await $0.taskPage(matching: filter) }
            } catch let error as StoreError where error.code == .notFound && after != nil {
                throw InputError("--after names no task: '\(after ?? "")' does not exist")
            }
            if json {
                try JSONOutput.print(page.tasks)
                return
            }
            let tasks = page.tasks.map(\.task)
            guard !tasks.isEmpty else {
                print(page.nextAfter.map { "No tasks found in this part of the list; more with --after \($0)." } ?? "No tasks.")
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
            if let next = page.nextAfter {
                print("More: agent-turbo list --after \(next)")
            }
        }
    }
}
