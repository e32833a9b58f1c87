/// The profiles every installation has (SPEC §2). No prompt is ever read as an option: each one comes after
/// `--` (the end of options for Claude Code's commander, Codex's clap and agent-turbo's own parser) or on
/// standard input (Gemini CLI, whose yargs would read a `-p` value starting with `-` as an option). Prompts too
/// long for one argument go on standard input, which every built-in agent reads.
public enum BuiltinProfiles {
    /// Claude Code's own retries are capped low: by default it retries an error up to ten times over about
    /// three minutes (a 401 included), holding a slot; the queue retries with backoff instead, and a usage
    /// limit or invalid key holds the profile back on every worker.
    static let claudeEnvironment = ["CLAUDE_CODE_MAX_RETRIES": "2"]

    /// Claude Code headless: `claude -p --output-format json [options] -- PROMPT`; a long prompt goes on stdin
    /// (`claude -p` reads its prompt there when none is given).
    public static let claude = AgentProfile(
        name: "claude", executable: "claude", arguments: ["-p", "--output-format", "json", "--", "{prompt}"],
        stdinPromptArgument: "", style: .claude, outputFormat: .claudeJSON, environment: claudeEnvironment,
        configDirectoryVariable: "CLAUDE_CONFIG_DIR"
    )

    /// Claude Code with live progress: every event is read as it comes (`stream-json` needs `--verbose`).
    public static let claudeStream = AgentProfile(
        name: "claude-stream", executable: "claude",
        arguments: ["-p", "--output-format", "stream-json", "--verbose", "--", "{prompt}"],
        stdinPromptArgument: "", style: .claude, outputFormat: .claudeStreamJSON, environment: claudeEnvironment,
        configDirectoryVariable: "CLAUDE_CONFIG_DIR"
    )

    /// OpenAI Codex CLI: `codex exec --json [options] -- PROMPT`; `codex exec -` reads the prompt from stdin.
    public static let codex = AgentProfile(
        name: "codex", executable: "codex", arguments: ["exec", "--json", "--", "{prompt}"], stdinPromptArgument: "-",
        style: .codex, outputFormat: .text
    )

    /// Gemini CLI: `gemini [options]` with the prompt on stdin; with its stdin not a terminal it runs headless
    /// and takes what it reads there as the prompt.
    public static let gemini = AgentProfile(
        name: "gemini", executable: "gemini", arguments: [], promptDelivery: .stdin, style: .gemini,
        outputFormat: .text
    )

    /// Any program, as an argv template set in the config file (`executable`, and `arguments` holding
    /// `{prompt}`); until it is configured, its tasks fail with a message saying so.
    public static let command = AgentProfile(
        name: "command", executable: nil, arguments: [], style: .plain, outputFormat: .text
    )

    /// The simulated agent built into agent-turbo (`agent-turbo __simulate-agent -- PROMPT`, or `-` for a
    /// prompt on stdin): answers like `claude -p --output-format json` and obeys the directives in its prompt.
    public static let simulate = AgentProfile(
        name: "simulate", executable: nil, arguments: ["__simulate-agent", "--", "{prompt}"], stdinPromptArgument: "-",
        style: .plain, outputFormat: .claudeJSON
    )

    public static let all: [AgentProfile] = [claude, claudeStream, codex, gemini, command, simulate]
}
