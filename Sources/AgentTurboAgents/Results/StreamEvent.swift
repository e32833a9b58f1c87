import Foundation

/// One line of Claude Code's `--output-format stream-json` output, reduced to what progress needs.
public enum StreamEvent: Sendable {
    /// `{"type":"system","subtype":"init","session_id":...}`
    case initialized(sessionID: String?)
    /// `{"type":"assistant","message":{"content":[...],"usage":{...}}}`: one model turn.
    case assistant(inputTokens: Int, outputTokens: Int, toolUses: [String])
    /// The final `{"type":"result",...}` object.
    case result(ClaudeResult)
    case other

    public static func parse(_ line: Data) -> StreamEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let type = object["type"] as? String
        else { return nil }
        switch type {
        case "system":
            return .initialized(sessionID: object["session_id"] as? String)
        case "assistant":
            let message = object["message"] as? [String: Any] ?? [:]
            let usage = message["usage"] as? [String: Any] ?? [:]
            let input = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
                .reduce(0) { $0 + ((usage[$1] as? Int) ?? 0) }
            let tools = (message["content"] as? [[String: Any]] ?? [])
                .filter { $0["type"] as? String == "tool_use" }
                .compactMap { $0["name"] as? String }
            return .assistant(inputTokens: input, outputTokens: (usage["output_tokens"] as? Int) ?? 0, toolUses: tools)
        case "result":
            return (try? JSONDecoder().decode(ClaudeResult.self, from: line)).map(StreamEvent.result)
        default:
            return .other
        }
    }
}
