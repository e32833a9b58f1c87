import Foundation

/// One row of `agent_actions`, the audit trail: written in the same transaction as the change it records.
public struct TaskAction: Sendable, Hashable, Codable {
    public var id: Int64
    public var taskID: String
    public var action: TaskActionKind
    public var workerID: String?
    /// A JSON object with the facts of the change (attempt, error, backoff, ...), as text.
    public var details: String?
    public var createdAt: Date

    public init(id: Int64, taskID: String, action: TaskActionKind, workerID: String?, details: String?, createdAt: Date) {
        self.id = id
        self.taskID = taskID
        self.action = action
        self.workerID = workerID
        self.details = details
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case taskID = "task_id"
        case action
        case workerID = "worker_id"
        case details
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        taskID = try container.decode(String.self, forKey: .taskID)
        action = try container.decode(TaskActionKind.self, forKey: .action)
        workerID = try container.decodeIfPresent(String.self, forKey: .workerID)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        let value = try container.decodeIfPresent(JSONValue.self, forKey: .details)
        details = try value.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    /// `details` is written as a JSON object, not as a string holding one.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(action, forKey: .action)
        try container.encode(workerID, forKey: .workerID)
        try container.encode(details.map(JSONValue.init(parsing:)), forKey: .details)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// One attempt of a task, kept after the task's own columns move on to the next one.
public struct AttemptRecord: Sendable, Hashable, Codable {
    public var taskID: String
    public var attempt: Int
    public var workerID: String
    public var agent: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// `running` while it runs; then `completed`, `failed`, `retry_scheduled`, `rate_limited`, `cancelled`,
    /// `requeued` or `rescued`.
    public var outcome: String
    public var errorKind: ErrorKind?
    public var error: String?
    public var exitCode: Int?
    public var durationSec: Double?
    public var costUSD: Double?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var numTurns: Int?
    public var peakMemoryBytes: Int?
    public var cpuUserSec: Double?
    public var cpuSystemSec: Double?
    /// What the agent answered in this attempt, and its session: kept here once the task moves on.
    public var result: String?
    public var sessionID: String?

    public init(
        taskID: String, attempt: Int, workerID: String, agent: String, startedAt: Date, finishedAt: Date?,
        outcome: String, errorKind: ErrorKind?, error: String?, exitCode: Int?, durationSec: Double?,
        costUSD: Double?, inputTokens: Int?, outputTokens: Int?, numTurns: Int?, peakMemoryBytes: Int?,
        cpuUserSec: Double?, cpuSystemSec: Double?, result: String? = nil, sessionID: String? = nil
    ) {
        self.taskID = taskID
        self.attempt = attempt
        self.workerID = workerID
        self.agent = agent
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.errorKind = errorKind
        self.error = error
        self.exitCode = exitCode
        self.durationSec = durationSec
        self.costUSD = costUSD
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.numTurns = numTurns
        self.peakMemoryBytes = peakMemoryBytes
        self.cpuUserSec = cpuUserSec
        self.cpuSystemSec = cpuSystemSec
        self.result = result
        self.sessionID = sessionID
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case attempt
        case workerID = "worker_id"
        case agent
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case outcome
        case errorKind = "error_kind"
        case error
        case exitCode = "exit_code"
        case durationSec = "duration_sec"
        case costUSD = "cost_usd"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case numTurns = "num_turns"
        case peakMemoryBytes = "peak_memory_bytes"
        case cpuUserSec = "cpu_user_sec"
        case cpuSystemSec = "cpu_system_sec"
        case result
        case sessionID = "session_id"
    }
}
