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
        var workers: Int?

        @Option(name: .long, help: ArgumentHelp("Close a connection that has no request in progress after this (default 30s).", valueName: "duration"))
        var idleTimeout = "30s"

        @Option(name: .long, help: ArgumentHelp("Time allowed from a request's first byte to the end of its headers (default 10s).", valueName: "duration"))
        var headerTimeout = "10s"

        @Option(name: .long, help: ArgumentHelp("Time allowed from the end of a request's headers to the end of its body (default 30s).", valueName: "duration"))
        var bodyTimeout = "30s"

        @Option(name: .long, help: ArgumentHelp("Connections open at once; more wait until one closes (default 512).", valueName: "n"))
        var maxConnections = 512

        @OptionGroup(title: "Worker options (with --workers)") var worker: WorkerOptions

        func validate() throws {
            if let workers, !(0...1000).contains(workers) {
                throw InputError("--workers must be between 0 and 1000, not \(workers)")
            }
            switch (workers, worker.concurrency) {
            case (nil, let concurrency?):
                throw InputError(
                    "--concurrency \(concurrency) without --workers runs no agent here: use --workers \(concurrency) (serve's name for it)"
                )
            case (let workers?, let concurrency?) where workers != concurrency:
                throw InputError(
                    "--workers \(workers) and --concurrency \(concurrency) disagree: give only --workers (serve's name for it)"
                )
            default:
                break
            }
        }

        /// The server's address, token and connection limits from the options and the environment.
        func serverConfiguration() throws -> APIServer.Configuration {
            let token = try SecretSource.apiToken.value(in: global.environment)
            var configuration = APIServer.Configuration(host: host, port: port, token: token)
            configuration.connections.idleTimeout = try Self.duration(idleTimeout, "--idle-timeout")
            configuration.connections.headerTimeout = try Self.duration(headerTimeout, "--header-timeout")
            configuration.connections.bodyTimeout = try Self.duration(bodyTimeout, "--body-timeout")
            configuration.connections.maximumConnections = maxConnections
            return configuration
        }

        static func duration(_ text: String, _ what: String) throws -> Duration {
            .milliseconds(Int64((try DurationText.seconds(text, what: what) * 1000).rounded()))
        }

        func run() async throws {
            let logger = global.logger("agent-turbo.server")
            let profiles = try global.profiles()
            var serverConfiguration = try serverConfiguration()
            serverConfiguration.agents = profiles.catalog
            // Refuse an open host or a bad limit before anything is opened or started.
            try serverConfiguration.validate()
            var workerConfiguration: WorkerConfiguration?
            if let workers, workers > 0 {
                var configuration = try worker.configuration(global)
                configuration.concurrency = workers
                try configuration.validate()
                workerConfiguration = configuration
            }
            let startup = workerConfiguration == nil ? nil : await StartupSignals.watch(logger: logger)
            try await global.withStore(waitForDatabase: workerConfiguration != nil) { store in
                let server = try APIServer(store: store, configuration: serverConfiguration, logger: logger)
                if let workerConfiguration {
                    let agentWorker = Worker(
                        store: store, profiles: profiles, configuration: workerConfiguration,
                        logger: global.logger("agent-turbo.worker")
                    )
                    try await WorkerRunner.run(agentWorker, alongside: [server], startup: startup, logger: logger)
                } else {
                    var configuration = ServiceGroupConfiguration(services: [server], logger: logger)
                    configuration.gracefulShutdownSignals = [.sigterm, .sigint]
                    try await ServiceGroup(configuration: configuration).run()
                }
            }
        }
    }
}
