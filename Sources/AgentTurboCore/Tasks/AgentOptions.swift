import Foundation

/// Per-task options handed to the agent's command line (`agent_options`, stored as JSON).
/// Each profile maps the ones it understands to flags; Claude Code understands all of them.
public struct AgentOptions: Sendable, Hashable, Codable {
    public var model: String?
    public var maxTurns: Int?
    public var allowedTools: [String]?
    public var disallowedTools: [String]?
    /// Claude Code's `--permission-mode`: `default`, `acceptEdits`, `plan`, `bypassPermissions`, ...
    public var permissionMode: String?
    public var systemPrompt: String?
    public var appendSystemPrompt: String?

    public init(
        model: String? = nil,
        maxTurns: Int? = nil,
        allowedTools: [String]? = nil,
        disallowedTools: [String]? = nil,
        permissionMode: String? = nil,
        systemPrompt: String? = nil,
        appendSystemPrompt: String? = nil
    ) {
        self.model = model
        self.maxTurns = maxTurns
        self.allowedTools = allowedTools
        self.disallowedTools = disallowedTools
        self.permissionMode = permissionMode
        self.systemPrompt = systemPrompt
        self.appendSystemPrompt = appendSystemPrompt
    }

    public var isEmpty: Bool { self == AgentOptions() }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model
        case maxTurns = "max_turns"
        case allowedTools = "allowed_tools"
        case disallowedTools = "disallowed_tools"
        case permissionMode = "permission_mode"
        case systemPrompt = "system_prompt"
        case appendSystemPrompt = "append_system_prompt"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "agent_options")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        maxTurns = try container.decodeWholeNumber(forKey: .maxTurns)
        allowedTools = try container.decodeToolList(forKey: .allowedTools)
        disallowedTools = try container.decodeToolList(forKey: .disallowedTools)
        permissionMode = try container.decodeIfPresent(String.self, forKey: .permissionMode)
        systemPrompt = try container.decodeIfPresent(String.self, forKey: .systemPrompt)
        appendSystemPrompt = try container.decodeIfPresent(String.self, forKey: .appendSystemPrompt)
    }

    /// Checks the values a profile will pass on, so a bad option fails at submit time, not at run time.
    public func validate() throws(InputError) {
        if let maxTurns, maxTurns < 1 {
            throw InputError("max_turns must be at least 1, not \(maxTurns)")
        }
        if let model, model.trimmingCharacters(in: .whitespaces).isEmpty {
            throw InputError("model must not be empty: leave it out to use the agent's default")
        }
        for (name, tools) in [("allowed_tools", allowedTools), ("disallowed_tools", disallowedTools)] {
            if let tools, tools.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw InputError("\(name) holds an empty tool pattern: give each tool, such as \"Read\" or \"Bash(git diff:*)\"")
            }
        }
        if let permissionMode, !Self.permissionModes.contains(permissionMode) {
            throw InputError(
                "unknown permission_mode '\(permissionMode)': use one of \(Self.permissionModes.joined(separator: ", "))"
            )
        }
    }

    /// The permission modes Claude Code accepts.
    public static let permissionModes = ["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk"]
}

extension KeyedDecodingContainer where K == AgentOptions.CodingKeys {
    /// A JSON array of tool patterns. One string is refused rather than taken as a list of one: Claude Code
    /// splits a single `--allowedTools` value at commas and spaces, so `"Read,Edit"` or `"Bash(npm test)"`
    /// would not mean what it seems to, and the queue cannot tell which was meant.
    fileprivate func decodeToolList(forKey key: K) throws -> [String]? {
        if (try? decodeIfPresent(String.self, forKey: key)) != nil {
            throw InputError(
                "agent_options.\(key.stringValue) must be a list of tool patterns, such as [\"Read\", \"Bash(git diff:*)\"], not one string"
            )
        }
        return try decodeIfPresent([String].self, forKey: key)
    }

    /// A whole number, with a message that names the field when it is a fraction or not a number at all
    /// (the decoder's own message for `3.5` does not).
    fileprivate func decodeWholeNumber(forKey key: K) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(Int.self, forKey: key) {
            return value
        }
        let what = "agent_options.\(key.stringValue) must be a whole number, such as 3"
        if let number = try? decode(Double.self, forKey: key) {
            throw InputError("\(what), not \(number)")
        }
        throw InputError(what)
    }
}
