import ArgumentParser

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
            Submit.self, List.self, Show.self, Cancel.self, Retry.self, Stats.self, Migrate.self, Prune.self,
        ]
    )

    public init() {}
}

/// The executable's entry point, kept out of `main.swift` so that it stays one line.
public enum AgentTurboMain {
    public static func run() async {
        await AgentTurboCommand.main()
    }
}
