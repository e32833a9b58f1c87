import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `workers`: every worker with its heartbeat, and why it holds back if it does.
    struct Workers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List workers with their state, heartbeats and what holds them back.")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print a JSON array.")
        var json = false

        func run() async throws {
            let (workers, holds) = try await global.withStore { store in
                (try await store.workers(), try await store.activeHolds())
            }
            if json {
                try JSONOutput.print(workers)
                return
            }
            if workers.isEmpty {
                print("No workers have run against this database.")
            } else {
                var table = TextTable(["WORKER_ID", "HOST", "PID", "STATE", "RUNNING", "HEARTBEAT", "STARTED", "HOLDING BACK"], rightAligned: [2])
                for worker in workers {
                    table.add([
                        worker.workerID, worker.hostname, String(worker.pid), worker.state.rawValue,
                        "\(worker.runningTasks)/\(worker.concurrency)", Formatting.relative(worker.lastHeartbeatAt),
                        Formatting.time(worker.startedAt), worker.holdReason ?? "",
                    ])
                }
                print(table.render())
            }
            for hold in holds {
                print("Profile '\(hold.agent)' held back on every worker until \(Formatting.time(hold.until)) (\(Formatting.relative(hold.until))): \(hold.reason)")
            }
        }
    }
}
