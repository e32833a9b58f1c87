/// The profiles every installation has (SPEC §2).
public enum BuiltinProfiles {
    /// Claude Code's own retries are capped low: by default it retries an error up to ten times over about
    /// three minutes (a 401 included), holding a slot; the queue retries with backoff instead, and a usage
    /// limit or invalid key holds the profile back on every worker.
    static let claudeEnvironment = ["CLAUDE_CODE_MAX_RETRIES": "2"]

    /// Claude Code headless: `claude -p PROMPT --output-format json` plus the task's options.
    public static let claude = AgentProfile(
        name: "claude", executable: "claude", arguments: ["-p", "{prompt}", "--output-format", "json"],
        style: .claude, outputFormat: .claudeJSON, environment: claudeEnvironment,
        configDirectoryVariable: "CLAUDE_CONFIG_DIR"
    )

    /// Claude Code with live progress: every event is read as it comes (`stream-json` needs `--verbose`).
    public static let claudeStream = AgentProfile(
        name: "claude-stream", executable: "claude",
        arguments: ["-p", "{prompt}", "--output-format", "stream-json", "--verbose"],
        style: .claude, outputFormat: .claudeStreamJSON, environment: claudeEnvironment,
        configDirectoryVariable: "CLAUDE_CONFIG_DIR"
    )

    /// OpenAI Codex CLI: `codex exec --json PROMPT`.
    public static let codex = AgentProfile(
        name: "codex", executable: "codex", arguments: ["exec", "--json", "{prompt}"], style: .codex, outputFormat: .text
    )

    /// Gemini CLI: `gemini -p PROMPT`.
    public static let gemini = AgentProfile(
        name: "gemini", executable: "gemini", arguments: ["-p", "{prompt}"], style: .gemini, outputFormat: .text
    )

    /// Any program, as an argv template set in the config file (`executable`, and `arguments` holding
    /// `{prompt}`); until it is configured, its tasks fail with a message saying so.
    public static let command = AgentProfile(
        name: "command", executable: nil, arguments: [], style: .plain, outputFormat: .text
    )

    /// The simulated agent built into agent-turbo (`agent-turbo __simulate-agent PROMPT`): answers like
    /// `claude -p --output-format json` and obeys the directives in its prompt.
    public static let simulate = AgentProfile(
        name: "simulate", executable: nil, arguments: ["__simulate-agent", "{prompt}"], style: .plain,
        outputFormat: .claudeJSON
    )

    public static let all: [AgentProfile] = [claude, claudeStream, codex, gemini, command, simulate]
}
