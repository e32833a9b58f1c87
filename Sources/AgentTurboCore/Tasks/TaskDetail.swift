/// A task with its history: what `show --json` prints and `GET /v1/tasks/{id}` returns.
public struct TaskDetail: Encodable, Sendable {
    public var task: AgentTask
    public var attempts: [AttemptRecord]
    public var actions: [TaskAction]

    public init(task: AgentTask, attempts: [AttemptRecord], actions: [TaskAction]) {
        self.task = task
        self.attempts = attempts
        self.actions = actions
    }

    enum ExtraKeys: String, CodingKey {
        case attempts
        case actions
    }

    /// The task's columns at the top level, then `attempts` and `actions`.
    public func encode(to encoder: any Encoder) throws {
        try task.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(actions, forKey: .actions)
    }
}
