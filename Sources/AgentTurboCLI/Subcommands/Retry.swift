import AgentTurboCore
import ArgumentParser

extension AgentTurboCommand {
    /// `retry`: a failed or cancelled task goes back to pending with its retries restored.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put failed or cancelled tasks back in the queue, with their retries restored."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Task ids.")
        var ids: [String]

        @Flag(name: .long, help: "Print the tasks as a JSON array.")
        var json = false

        func validate() throws {
            guard !ids.isEmpty else { throw InputError("name at least one task id to retry") }
        }

        func run() async throws {
            let tasks = try await global.withStore { store in
                for id in ids {
                    let task = try await store.existingTask(id)
                    guard task.status.isRetryable else {
                        throw InputError("task '\(id)' is \(task.status.rawValue): only failed or cancelled tasks can be retried")
                    }
                }
                var tasks: [AgentTask] = []
                for id in ids {
                    tasks.append(try await store.retry(id, by: "cli"))
                }
                return tasks
            }
            if json {
                try JSONOutput.print(tasks)
            } else {
                for task in tasks {
                    print("\(task.taskID): pending again")
                }
            }
        }
    }
}
