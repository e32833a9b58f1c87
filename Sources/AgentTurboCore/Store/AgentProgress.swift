import Foundation

/// What a running agent has done so far, from its event stream: written to the task row while it runs so that
/// `show`, `logs` and the dashboard can follow it.
public struct AgentProgress: Sendable, Hashable, Codable {
    public var sessionID: String?
    public var model: String?
    /// Model turns so far (API responses).
    public var turns: Int = 0
    public var toolUses: Int = 0
    /// The latest tool call, such as `Bash: npm test`.
    public var lastTool: String?
    public var inputTokens: Int = 0
    public var outputTokens: Int = 0
    /// Cost so far at list prices, estimated from the token counts; the agent's own figure replaces it at the end.
    public var costUSDEstimate: Double?
    /// The API retries the agent reported (`api_retry` events).
    public var apiRetries: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case model
        case turns
        case toolUses = "tool_uses"
        case lastTool = "last_tool"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case costUSDEstimate = "cost_usd_estimate"
        case apiRetries = "api_retries"
    }

    /// One line for `show` and the progress line: `3 turns, 2 tool uses (last: Bash: npm test), ~$0.0123`.
    public var summary: String {
        var text = "\(turns) turn\(turns == 1 ? "" : "s"), \(toolUses) tool use\(toolUses == 1 ? "" : "s")"
        if let lastTool {
            text += " (last: \(lastTool))"
        }
        if let costUSDEstimate {
            text += String(format: ", ~$%.4f so far", costUSDEstimate)
        }
        if apiRetries > 0 {
            text += ", \(apiRetries) API retr\(apiRetries == 1 ? "y" : "ies")"
        }
        return text
    }
}
