import Foundation

/// What one attempt produced: the agent's own figures (Claude's JSON result) and the kernel's accounting
/// of its process group. Every field is optional: a crashed agent reports little.
public struct AgentReport: Sendable, Hashable, Codable {
    public var result: String?
    public var exitCode: Int?
    public var sessionID: String?
    public var costUSD: Double?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var numTurns: Int?
    public var peakMemoryBytes: Int?
    public var cpuUserSec: Double?
    public var cpuSystemSec: Double?

    public init(
        result: String? = nil, exitCode: Int? = nil, sessionID: String? = nil, costUSD: Double? = nil,
        inputTokens: Int? = nil, outputTokens: Int? = nil, numTurns: Int? = nil, peakMemoryBytes: Int? = nil,
        cpuUserSec: Double? = nil, cpuSystemSec: Double? = nil
    ) {
        self.result = result
        self.exitCode = exitCode
        self.sessionID = sessionID
        self.costUSD = costUSD
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.numTurns = numTurns
        self.peakMemoryBytes = peakMemoryBytes
        self.cpuUserSec = cpuUserSec
        self.cpuSystemSec = cpuSystemSec
    }

    enum CodingKeys: String, CodingKey {
        case result
        case exitCode = "exit_code"
        case sessionID = "session_id"
        case costUSD = "cost_usd"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case numTurns = "num_turns"
        case peakMemoryBytes = "peak_memory_bytes"
        case cpuUserSec = "cpu_user_sec"
        case cpuSystemSec = "cpu_system_sec"
    }
}

/// Why an attempt failed, as the worker classified it.
public struct AttemptFailure: Sendable, Hashable {
    public var kind: ErrorKind
    public var message: String

    public init(kind: ErrorKind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// How an attempt ended, as its worker reports it to the store.
public enum AttemptOutcome: Sendable, Hashable {
    /// The agent finished its work.
    case completed(AgentReport)
    /// The attempt failed; with retries left and a non-permanent kind the task goes back to `pending` after a
    /// backoff (`retry_scheduled`), otherwise it is `failed`.
    case failed(AttemptFailure, AgentReport)
    /// A rate or usage limit: back to `pending` until `retryAt` without spending a retry (`rate_limited`).
    case rateLimited(retryAt: Date, message: String, AgentReport)
    /// The worker stopped the attempt for a cancel request (`cancelled`).
    case cancelled(AgentReport)
    /// The worker is shutting down: back to `pending` at once without spending a retry (`requeued`).
    case requeued(reason: String)
}
