import AgentTurboCore
import ArgumentParser

extension AgentTurboCommand {
    /// `cancel`: a pending task is cancelled at once; a running one is stopped by its worker, on any host.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel tasks: pending ones at once, running ones by their worker within about a second."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Task ids.")
        var ids: [String]

        @Option(name: .long, help: ArgumentHelp("Why, for the audit trail.", valueName: "text"))
        var reason: String?

        @Flag(name: .long, help: "Print the tasks as a JSON array.")
        var json = false

        func validate() throws {
            guard !ids.isEmpty else { throw InputError("name at least one task id to cancel") }
        }

        func run() async throws {
            let results = try await global.withStore { store in
                try await store.requireAllExist(ids)
                var results: [CancelResult] = []
                for id in ids {
                    results.append(try await store.cancel(id, reason: reason, by: "cli"))
                }
                return results
            }
            if json {
                try JSONOutput.print(results.map(\.task))
                return
            }
            for result in results {
                switch result {
                case .cancelled(let task):
                    print("\(task.taskID): cancelled")
                case .requested(let task):
                    print("\(task.taskID): cancel requested; worker \(task.assignedWorkerID ?? "?") stops it")
                case .alreadyFinished(let task):
                    print("\(task.taskID): already \(task.status.rawValue), nothing to cancel")
                }
            }
        }
    }
}

extension CancelResult {
    var task: AgentTask {
        switch self {
        case .cancelled(let task), .requested(let task), .alreadyFinished(let task): task
        }
    }
}

extension TaskStore {
    /// Checks every id before anything changes, so a typo in one id leaves all the tasks as they were.
    func requireAllExist(_ ids: [String]) async throws {
        for id in ids {
            _ = try await existingTask(id)
        }
    }
}
