import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorker
import ArgumentParser
import Foundation
import Logging

extension AgentTurboCommand {
    /// `worker`: runs agents from the queue until stopped.
    struct WorkerCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worker",
            abstract: "Run agents from the queue, several at once, until stopped (SIGTERM or SIGINT drains; a second one stops at once)."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: WorkerOptions

        func run() async throws {
            let logger = global.logger("agent-turbo.worker")
            let configuration = try options.configuration(global)
            let profiles = try global.profiles()
            let withheld = AgentEnvironment.withheldNames(configuration.environment)
            if !withheld.isEmpty {
                logger.notice(
                    "agents do not inherit these variables unless a profile names them in pass_environment",
                    metadata: ["variables": "\(withheld.joined(separator: ","))"]
                )
            }
            let startup = await StartupSignals.watch(logger: logger)
            try await global.withStore(waitForDatabase: true) { store in
                let worker = Worker(store: store, profiles: profiles, configuration: configuration, logger: logger)
                try await WorkerRunner.run(worker, startup: startup, logger: logger)
            }
        }
    }
}
