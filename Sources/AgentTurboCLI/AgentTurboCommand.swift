import AgentTurboAgents
import ArgumentParser
import CAgentSupport

/// `agent-turbo`: run AI coding agents in parallel from a durable task queue.
public struct AgentTurboCommand: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "agent-turbo",
        abstract: "Run AI coding agents (Claude Code, Codex, Gemini CLI, any command) in parallel from a durable task queue.",
        discussion: """
            Tasks live in a SQLite file ($AGENT_TURBO_HOME/turbo.db, ~/.agent-turbo by default) or, for several
            hosts, in PostgreSQL (--database postgres://user:pass@host:5432/db or AGENT_TURBO_DATABASE_URL).
            """,
        version: version,
        subcommands: [
            Submit.self, List.self, Show.self, Logs.self, Cancel.self, Retry.self, WorkerCommand.self, Run.self,
            Workers.self, Stats.self, Hold.self, Migrate.self, Prune.self, Demo.self, Serve.self,
        ]
    )

    public init() {}
}

/// The executable's entry point, kept out of `main.swift` so that it stays one line. A hidden mode comes
/// first: the simulated agent.
public enum AgentTurboMain {
    public static func run() async {
        let arguments = CommandLine.arguments
        if arguments.count > 1 {
            switch arguments[1] {
            case "__simulate-agent":
                SimulatedAgent.run(arguments: Array(arguments.dropFirst(2)))
            default:
                break
            }
        }
        at_ignore_sigpipe()
        await AgentTurboCommand.main(Array(SubmitArguments.normalized(GlobalArguments.movedAfterSubcommand(arguments)).dropFirst()))
    }
}
