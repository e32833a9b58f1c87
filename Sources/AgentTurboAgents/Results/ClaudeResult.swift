import AgentTurboCore
import Foundation

/// The result object Claude Code prints last in `-p` mode (`--output-format json`, and the `result` event of
/// `stream-json`): the fields SPEC §2 names.
public struct ClaudeResult: Sendable, Hashable, Decodable {
    public var type: String
    public var subtype: String?
    public var isError: Bool
    public var result: String?
    public var sessionID: String?
    public var totalCostUSD: Double?
    public var numTurns: Int?
    public var durationMS: Double?
    public var apiErrorStatus: Int?
    /// The API's error type (`authentication_error`, `rate_limit_error`, ...).
    public var apiErrorType: String?
    /// Claude Code's own category (`usage_limit_reached`, `connection_failed`, ...).
    public var apiError: String?
    public var terminalReason: String?
    public var errors: [String]?
    public var usage: Usage?

    public struct Usage: Sendable, Hashable, Decodable {
        public var inputTokens: Int?
        public var outputTokens: Int?
        public var cacheCreationInputTokens: Int?
        public var cacheReadInputTokens: Int?

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case cacheCreationInputTokens = "cache_creation_input_tokens"
            case cacheReadInputTokens = "cache_read_input_tokens"
        }

        /// All input tokens, cached or not.
        public var totalInputTokens: Int? {
            guard inputTokens != nil || cacheCreationInputTokens != nil || cacheReadInputTokens != nil else { return nil }
            return (inputTokens ?? 0) + (cacheCreationInputTokens ?? 0) + (cacheReadInputTokens ?? 0)
        }
    }

    enum CodingKeys: String, CodingKey {
        case type
        case subtype
        case isError = "is_error"
        case result
        case sessionID = "session_id"
        case totalCostUSD = "total_cost_usd"
        case numTurns = "num_turns"
        case durationMS = "duration_ms"
        case apiErrorStatus = "api_error_status"
        case apiErrorType = "api_error_type"
        case apiError = "api_error"
        case terminalReason = "terminal_reason"
        case errors
        case usage
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        subtype = try? container.decodeIfPresent(String.self, forKey: .subtype)
        isError = (try? container.decodeIfPresent(Bool.self, forKey: .isError)) ?? false
        result = try? container.decodeIfPresent(String.self, forKey: .result)
        sessionID = try? container.decodeIfPresent(String.self, forKey: .sessionID)
        totalCostUSD = try? container.decodeIfPresent(Double.self, forKey: .totalCostUSD)
        numTurns = try? container.decodeIfPresent(Int.self, forKey: .numTurns)
        durationMS = try? container.decodeIfPresent(Double.self, forKey: .durationMS)
        apiErrorStatus = (try? container.decodeIfPresent(Int.self, forKey: .apiErrorStatus))
            ?? (try? container.decodeIfPresent(String.self, forKey: .apiErrorStatus)).flatMap { $0.flatMap(Int.init) }
        apiErrorType = try? container.decodeIfPresent(String.self, forKey: .apiErrorType)
        apiError = try? container.decodeIfPresent(String.self, forKey: .apiError)
        terminalReason = try? container.decodeIfPresent(String.self, forKey: .terminalReason)
        errors = try? container.decodeIfPresent([String].self, forKey: .errors)
        usage = try? container.decodeIfPresent(Usage.self, forKey: .usage)
    }

    /// The agent's figures for the task row.
    public func report(exitCode: Int?) -> AgentReport {
        AgentReport(
            result: result, exitCode: exitCode, sessionID: sessionID, costUSD: totalCostUSD,
            inputTokens: usage?.totalInputTokens, outputTokens: usage?.outputTokens, numTurns: numTurns
        )
    }

    /// The last line of `output` that is a Claude result object, if any.
    public static func find(in output: Data) -> ClaudeResult? {
        let decoder = JSONDecoder()
        for line in output.split(separator: UInt8(ascii: "\n")).reversed() {
            let trimmed = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
            guard trimmed.first == UInt8(ascii: "{") else { continue }
            if let result = try? decoder.decode(ClaudeResult.self, from: Data(trimmed)), result.type == "result" {
                return result
            }
        }
        return nil
    }
}
