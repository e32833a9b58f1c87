import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorker
import AgentTurboWorkspaces
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The worker's options, shared by `worker` and `run`.
struct WorkerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Agents run at once (default 4).", valueName: "n"))
    var concurrency: Int?

    static let defaultConcurrency = 4

    @Option(name: .long, help: ArgumentHelp("This worker's id (default: hostname:pid).", valueName: "id"))
    var workerID: String?

    @Option(name: .long, help: ArgumentHelp(
        "Folder for each attempt's spool and scratch files (default: $AGENT_TURBO_RUN_DIR, else $AGENT_TURBO_HOME/run); a tmpfs such as /run/agent-turbo is fastest.",
        valueName: "path"))
    var runDir: String?

    @Option(name: .long, help: ArgumentHelp("Lease of a claimed task, renewed every third of it (default 60s).", valueName: "duration"))
    var lease: String = "60s"

    @Option(name: .long, help: ArgumentHelp("Fallback poll for new tasks when no wake-up arrives (default 1s).", valueName: "duration"))
    var pollInterval: String = "1s"

    @Option(name: .long, help: ArgumentHelp("After SIGTERM/SIGINT, how long running agents may finish before they are stopped and requeued (default 30s).", valueName: "duration"))
    var shutdownGrace: String = "30s"

    @Option(name: .long, help: ArgumentHelp("Between SIGTERM and SIGKILL when an agent is stopped (default 5s).", valueName: "duration"))
    var killGrace: String = "5s"

    @Option(name: .long, help: ArgumentHelp("Only these agent profiles (comma-separated; default: all).", valueName: "names"))
    var agents: String?

    @Option(name: .long, help: ArgumentHelp("Most output stored per attempt (default 10MiB).", valueName: "size"))
    var outputCap: String = "10MiB"

    @Option(name: .long, help: ArgumentHelp("Start no agent while the machine has less free memory than this, e.g. 2GiB.", valueName: "size"))
    var minFreeMemory: String?

    @Option(name: .long, help: ArgumentHelp("Memory one agent is expected to use, to fit agents above --min-free-memory (default 256MiB).", valueName: "size"))
    var memoryPerAgent: String = "256MiB"

    @Option(name: .long, help: ArgumentHelp("First retry backoff; doubles per retry, with jitter (default 10s).", valueName: "duration"))
    var retryBase: String = "10s"

    @Option(name: .long, help: ArgumentHelp("Longest retry backoff (default 10m).", valueName: "duration"))
    var retryMax: String = "10m"

    @Option(name: .long, help: ArgumentHelp("How long a rate limit that names no reset time holds the profile back (default 60s).", valueName: "duration"))
    var rateLimitWait: String = "60s"

    @Option(name: .long, help: ArgumentHelp("Most time a task may wait for rate and usage limits in total; past it the task fails as rate_limited (default 6h).", valueName: "duration"))
    var maxRateLimitWait: String = "6h"

    @Option(name: .long, help: ArgumentHelp("How long invalid credentials hold the profile back on every worker (default 5m).", valueName: "duration"))
    var credentialHold: String = "5m"

    /// The worker configuration these options and the config file's `worktrees` section describe.
    func configuration(_ global: GlobalOptions) throws -> WorkerConfiguration {
        var configuration = try configuration(home: global.home)
        configuration.workspaces = try global.workspaceSettings()
        return configuration
    }

    /// The worker configuration these options describe.
    func configuration(home: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerConfiguration {
        let runDirectory = runDir ?? environment["AGENT_TURBO_RUN_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/run"
        var configuration = WorkerConfiguration(
            workerID: workerID ?? WorkerConfiguration.defaultWorkerID(), runDirectory: runDirectory
        )
        configuration.concurrency = concurrency ?? Self.defaultConcurrency
        configuration.leaseSeconds = try DurationText.seconds(lease, what: "--lease")
        configuration.pollInterval = try DurationText.seconds(pollInterval, what: "--poll-interval")
        configuration.shutdownGraceSeconds = try DurationText.seconds(shutdownGrace, what: "--shutdown-grace")
        configuration.killGraceSeconds = try DurationText.seconds(killGrace, what: "--kill-grace")
        configuration.rescueInterval = max(0.5, min(5, configuration.leaseSeconds / 3))
        configuration.outputCapBytes = Int(try ByteSizeText.bytes(outputCap, what: "--output-cap"))
        configuration.minFreeMemoryBytes = try minFreeMemory.map { try ByteSizeText.bytes($0, what: "--min-free-memory") }
        configuration.memoryPerAgentBytes = try ByteSizeText.bytes(memoryPerAgent, what: "--memory-per-agent")
        configuration.retryPolicy = RetryPolicy(
            baseSeconds: try DurationText.seconds(retryBase, what: "--retry-base"),
            maximumSeconds: try DurationText.seconds(retryMax, what: "--retry-max"),
            maximumRateLimitWaitSeconds: try DurationText.seconds(maxRateLimitWait, what: "--max-rate-limit-wait")
        )
        configuration.classifier = AttemptClassifier(
            credentialHoldSeconds: try DurationText.seconds(credentialHold, what: "--credential-hold"),
            rateLimitFallbackSeconds: try DurationText.seconds(rateLimitWait, what: "--rate-limit-wait")
        )
        if let agents {
            let names = agents.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names {
                try AgentName.validate(name)
            }
            configuration.agents = Set(names)
        }
        try configuration.validate()
        return configuration
    }
}

/// Runs a worker as a service until it stops: the first SIGTERM/SIGINT shuts the group down gracefully (the
/// worker drains), a second one stops the worker's agents at once. (A service group cannot take the same
/// signal for both, so the second signal is counted here.)
enum WorkerRunner {
    static func run(
        _ worker: Worker, alongside others: [any Service] = [], startup: StartupSignals? = nil, logger: Logger
    ) async throws {
        // A group shuts its services down last first: the worker drains (and requeues what it stops) while the
        // others, such as the API, keep answering; an API waiting on a stalled client cannot hold up the drain.
        let services = (others + [worker]).map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: configuration)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        // From here a signal reaches this sequence; the group's own is installed as it starts running.
        startup?.workerRuns()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                var seen = 0
                for await _ in signals {
                    seen += 1
                    if seen == 1 {
                        // The group may not have been listening yet: a drain asked twice is one drain.
                        worker.beginDrain()
                    } else if seen == 2 {
                        logger.notice("second signal: stopping every agent now")
                        worker.stopImmediately()
                    }
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
    }
}

extension GlobalOptions {
    /// `$AGENT_TURBO_HOME` (default `~/.agent-turbo`).
    var home: String { DatabaseLocation.home(environment: environment) }

    /// The `worktrees` section of the config file (defaults without one: worktrees under the home folder).
    func workspaceSettings() throws -> WorkspaceSettings {
        let path = ConfigFile.path(explicitPath: config, home: home)
        do {
            return try WorkspaceSettings.load(configJSON: FileManager.default.contents(atPath: path), defaultRoot: home + "/worktrees")
        } catch {
            throw InputError("config file '\(path)': \(error.message)")
        }
    }

    /// The agent profiles: built in, then the config file.
    func profiles() throws -> AgentProfiles {
        try ConfigFile.loadProfiles(explicitPath: config, home: home)
    }

    /// A logger, the process's log handler installed first; `quietByDefault` makes warnings the default level.
    func logger(_ label: String, quietByDefault: Bool = false) -> Logger {
        LoggingSetup.bootstrap(format: logFormat, level: logLevel?.level ?? (quietByDefault ? .warning : .info))
        return Logger(label: label)
    }
}
