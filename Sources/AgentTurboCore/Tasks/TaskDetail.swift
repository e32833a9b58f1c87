/// A task with its history: what `show --json` prints and `GET /v1/tasks/{id}` returns.
public struct TaskDetail: Encodable, Sendable {
    public var task: AgentTask
    public var attempts: [AttemptRecord]
    public var actions: [TaskAction]
    /// The hold that keeps this pending task from starting: its profile is held back on every worker.
    public var hold: AgentHold?

    public init(task: AgentTask, attempts: [AttemptRecord], actions: [TaskAction], hold: AgentHold? = nil) {
        self.task = task
        self.attempts = attempts
        self.actions = actions
        self.hold = hold
    }

    enum ExtraKeys: String, CodingKey {
        case attempts
        case actions
        case hold
    }

    /// The task's columns at the top level, then `attempts`, `actions` and `hold` (`null` when none applies).
    public func encode(to encoder: any Encoder) throws {
        try task.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(actions, forKey: .actions)
        try container.encode(hold, forKey: .hold)
    }
}
