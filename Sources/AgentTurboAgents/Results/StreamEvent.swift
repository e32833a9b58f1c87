import AgentTurboCore
import Foundation

/// One line of Claude Code's `--output-format stream-json --verbose` output, reduced to what progress needs.
public enum StreamEvent: Sendable {
    /// `{"type":"system","subtype":"init","session_id":...,"model":...}`
    case initialized(sessionID: String?, model: String?)
    /// `{"type":"assistant","message":{"id":...,"content":[one block],"usage":{...}}}`: Claude Code prints one
    /// line per content block, all with the message's id and usage.
    case assistant(messageID: String, model: String?, usage: TokenUsage, toolUse: String?)
    /// `{"type":"system","subtype":"api_retry",...}`
    case apiRetry
    /// The final `{"type":"result",...}` object.
    case result(ClaudeResult)
    case other

    public struct TokenUsage: Sendable, Hashable {
        public var input = 0
        public var output = 0
        public var cacheRead = 0
        public var cacheWrite = 0
    }

    public static func parse(_ line: Data) -> StreamEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let type = object["type"] as? String
        else { return nil }
        switch (type, object["subtype"] as? String) {
        case ("system", "init"):
            return .initialized(sessionID: object["session_id"] as? String, model: object["model"] as? String)
        case ("system", "api_retry"):
            return .apiRetry
        case ("assistant", _):
            let message = object["message"] as? [String: Any] ?? [:]
            let usage = message["usage"] as? [String: Any] ?? [:]
            func count(_ key: String) -> Int { (usage[key] as? Int) ?? 0 }
            let tokens = TokenUsage(
                input: count("input_tokens"), output: count("output_tokens"),
                cacheRead: count("cache_read_input_tokens"), cacheWrite: count("cache_creation_input_tokens")
            )
            let tool = (message["content"] as? [[String: Any]] ?? []).first { $0["type"] as? String == "tool_use" }
                .map(describeTool)
            return .assistant(
                messageID: message["id"] as? String ?? UUID().uuidString, model: message["model"] as? String,
                usage: tokens, toolUse: tool
            )
        case ("result", _):
            return (try? JSONDecoder().decode(ClaudeResult.self, from: line)).map(StreamEvent.result)
        default:
            return .other
        }
    }

    /// `Bash: npm test`, `Read: /src/main.swift`: the tool and its main argument, cut short.
    static func describeTool(_ block: [String: Any]) -> String {
        let name = block["name"] as? String ?? "tool"
        let input = block["input"] as? [String: Any] ?? [:]
        let argument = ["command", "file_path", "path", "pattern", "url", "description"]
            .lazy.compactMap { input[$0] as? String }.first
        guard let argument else { return name }
        let line = argument.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return "\(name): " + (line.count > 80 ? String(line.prefix(79)) + "…" : line)
    }
}

/// Adds up a stream of events into the progress of one run.
public struct StreamProgress: Sendable {
    public private(set) var progress = AgentProgress()
    public private(set) var result: ClaudeResult?
    private var usageByMessage: [String: StreamEvent.TokenUsage] = [:]
    private var messageOrder: [String] = []

    public init() {}

    /// Takes one event; returns true when the progress changed.
    public mutating func take(_ event: StreamEvent) -> Bool {
        switch event {
        case .initialized(let session, let model):
            progress.sessionID = session
            progress.model = model
        case .assistant(let id, let model, let usage, let tool):
            if usageByMessage[id] == nil {
                messageOrder.append(id)
            }
            usageByMessage[id] = usage
            progress.model = progress.model ?? model
            if let tool {
                progress.toolUses += 1
                progress.lastTool = tool
            }
            progress.turns = messageOrder.count
            let totals = usageByMessage.values.reduce(into: StreamEvent.TokenUsage()) { sum, usage in
                sum.input += usage.input
                sum.output += usage.output
                sum.cacheRead += usage.cacheRead
                sum.cacheWrite += usage.cacheWrite
            }
            progress.inputTokens = totals.input + totals.cacheRead + totals.cacheWrite
            progress.outputTokens = totals.output
            progress.costUSDEstimate = ModelPrices.forModel(progress.model).cost(
                input: totals.input, output: totals.output, cacheRead: totals.cacheRead, cacheWrite: totals.cacheWrite
            )
        case .apiRetry:
            progress.apiRetries += 1
        case .result(let final):
            result = final
            return false
        case .other:
            return false
        }
        return true
    }
}
