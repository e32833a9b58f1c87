import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `workers`: every worker with its heartbeat, and why it holds back if it does.
    struct Workers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List workers with their state, heartbeats and what holds them back.")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print a JSON object: {\"workers\": [...], \"holds\": [...]}, as GET /v1/workers.")
        var json = false

        func run() async throws {
            let (workers, holds) = try await global.withStore { store in
                (try await store.workers(), try await store.activeHolds())
            }
            if json {
                try JSONOutput.print(WorkersReport(workers: workers, holds: holds))
                return
            }
            if workers.isEmpty {
                print("No workers have run against this database.")
            } else {
                var table = TextTable(["WORKER_ID", "HOST", "PID", "STATE", "RUNNING", "HEARTBEAT", "STARTED", "SPOOLED", "HOLDING BACK"], rightAligned: [2, 7])
                for worker in workers {
                    table.add([
                        worker.workerID, worker.hostname, String(worker.pid), worker.state.rawValue,
                        "\(worker.runningTasks)/\(worker.concurrency)", Formatting.relative(worker.lastHeartbeatAt),
                        Formatting.time(worker.startedAt),
                        worker.spoolBytes > 0 ? Formatting.bytes(Double(worker.spoolBytes)) : "", worker.holdReason ?? "",
                    ])
                }
                print(table.render())
            }
            for hold in holds {
                print(hold.text + " (`agent-turbo hold clear \(hold.agent)` ends it)")
            }
        }
    }
}

/// `workers --json`: the worker rows and the holds, the same object as `GET /v1/workers`.
struct WorkersReport: Encodable {
    var workers: [WorkerRecord]
    var holds: [AgentHold]
}
