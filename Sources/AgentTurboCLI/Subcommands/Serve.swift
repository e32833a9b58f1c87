import AgentTurboAgents
import AgentTurboCore
import AgentTurboServer
import AgentTurboWorker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

extension AgentTurboCommand {
    /// `serve`: the HTTP API, the dashboard and Prometheus metrics, optionally with agents run in this process.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the HTTP API, the dashboard and Prometheus metrics; with --workers N, run N agents at once here too.",
            discussion: """
                With AGENT_TURBO_API_TOKEN set (or AGENT_TURBO_API_TOKEN_FILE, or the systemd credential \
                api-token), every route but /healthz wants Authorization: Bearer TOKEN; \
                without it the server listens on loopback only. SIGTERM/SIGINT stops it gracefully (the worker \
                drains); a second signal stops every agent at once. See docs/http-api.md.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("Address to listen on (default 127.0.0.1; beyond loopback needs AGENT_TURBO_API_TOKEN).", valueName: "host"))
        var host = "127.0.0.1"

        @Option(name: .long, help: ArgumentHelp("Port to listen on; 0 picks a free one (default 8080).", valueName: "port"))
        var port = 8080

        @Option(name: .long, help: ArgumentHelp("Agents run at once in this process; 0 serves the API only (default 0). Takes the place of --concurrency.", valueName: "n"))
        var workers = 0

        @OptionGroup(title: "Worker options (with --workers)") var worker: WorkerOptions

        func validate() throws {
            guard (0...1000).contains(workers) else {
                throw InputError("--workers must be between 0 and 1000, not \(workers)")
            }
        }

        func run() async throws {
            let logger = global.logger("agent-turbo.server")
            let token = try SecretSource.apiToken.value(in: global.environment)
            let profiles = try global.profiles()
            var serverConfiguration = APIServer.Configuration(host: host, port: port, token: token)
            serverConfiguration.agents = profiles.catalog
            // Refuse an open host before anything is opened or started.
            try serverConfiguration.validate()
            var workerConfiguration: WorkerConfiguration?
            if workers > 0 {
                var configuration = try worker.configuration(global)
                configuration.concurrency = workers
                try configuration.validate()
                workerConfiguration = configuration
            }
            try await global.withStore(waitForDatabase: workerConfiguration != nil) { store in
                let server = try APIServer(store: store, configuration: serverConfiguration, logger: logger)
                if let workerConfiguration {
                    let agentWorker = Worker(
                        store: store, profiles: profiles, configuration: workerConfiguration,
                        logger: global.logger("agent-turbo.worker")
                    )
                    try await WorkerRunner.run(agentWorker, alongside: [server], logger: logger)
                } else {
                    var configuration = ServiceGroupConfiguration(services: [server], logger: logger)
                    configuration.gracefulShutdownSignals = [.sigterm, .sigint]
                    try await ServiceGroup(configuration: configuration).run()
                }
            }
        }
    }
}
