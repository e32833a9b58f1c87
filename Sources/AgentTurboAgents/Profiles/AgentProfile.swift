import AgentTurboCore
import Foundation

/// How to run one kind of agent: which program, with which arguments, how it gets the prompt and how its
/// output is read. Built-in profiles cover `claude`, `codex`, `gemini`, `command` and `simulate`; a config
/// file can override them or add new ones.
public struct AgentProfile: Sendable, Hashable {
    public var name: String
    /// The program: a name looked up in `PATH`, or a path. `nil` for `simulate` (agent-turbo itself).
    public var executable: String?
    /// The argument template. `{prompt}` in an element is replaced by the prompt (one argv element, never a
    /// shell word); without `{prompt}` anywhere the prompt goes last (or on stdin). The task's option flags go
    /// before a `--` element, so that the built-in templates end in `-- {prompt}` and no prompt is ever read as
    /// an option.
    public var arguments: [String]
    public var promptDelivery: PromptDelivery
    /// What stands in for the `{prompt}` element when the prompt goes on standard input (it is too long for
    /// one argument, or `promptDelivery` is `.stdin`): `""` drops the element (and a `--` just before it),
    /// `"-"` suits programs that read their prompt from stdin when told so (`codex exec -`). `nil` means the
    /// program cannot take its prompt on stdin: prompts too long for one argument are refused at submit.
    public var stdinPromptArgument: String?
    /// How the task's `agent_options` become flags.
    public var style: Style
    /// How the agent's output is read.
    public var outputFormat: OutputFormat
    /// Added to (or overriding) the worker's environment.
    public var environment: [String: String]
    /// Removed from the worker's environment; `CLAUDECODE` and `CLAUDE_CODE_ENTRYPOINT` always are.
    public var removeEnvironment: [String]
    /// Variables the agent inherits from the worker although they look like secrets (see
    /// ``AgentEnvironment``): exact names, or prefixes ending in `*` (`PG*`).
    public var passEnvironment: [String]
    /// When set, each running agent gets its own config folder in this environment variable
    /// (`CLAUDE_CONFIG_DIR`), so parallel instances never write one file at once.
    public var configDirectoryVariable: String?

    public enum PromptDelivery: String, Sendable, Hashable, Codable {
        case argument
        case stdin
    }

    public enum Style: String, Sendable, Hashable, Codable {
        case claude
        case codex
        case gemini
        case plain
    }

    public enum OutputFormat: String, Sendable, Hashable, Codable {
        /// `claude -p --output-format json`: one JSON result object at the end.
        case claudeJSON = "claude-json"
        /// `claude -p --output-format stream-json --verbose`: one JSON event per line, read as they come.
        case claudeStreamJSON = "claude-stream-json"
        /// Anything else: the exit status decides, the end of stdout is the result.
        case text
    }

    public init(
        name: String, executable: String?, arguments: [String], promptDelivery: PromptDelivery = .argument,
        stdinPromptArgument: String? = nil, style: Style, outputFormat: OutputFormat,
        environment: [String: String] = [:], removeEnvironment: [String] = [], passEnvironment: [String] = [],
        configDirectoryVariable: String? = nil
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.promptDelivery = promptDelivery
        self.stdinPromptArgument = stdinPromptArgument
        self.style = style
        self.outputFormat = outputFormat
        self.environment = environment
        self.removeEnvironment = removeEnvironment
        self.passEnvironment = passEnvironment
        self.configDirectoryVariable = configDirectoryVariable
    }

    /// Variables that make Claude Code think it runs inside another Claude Code session.
    public static let alwaysRemoved = ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"]

    /// Whether the program can take its prompt on standard input.
    public var readsStdin: Bool { promptDelivery == .stdin || stdinPromptArgument != nil }
}
