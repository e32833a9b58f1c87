/// The `action` of an `agent_actions` row: one per state change. A growing set, so a struct with static members.
public struct TaskActionKind: StringKind {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }


    public static let created = TaskActionKind(rawValue: "created")
    public static let claimed = TaskActionKind(rawValue: "claimed")
    public static let completed = TaskActionKind(rawValue: "completed")
    public static let failed = TaskActionKind(rawValue: "failed")
    public static let retryScheduled = TaskActionKind(rawValue: "retry_scheduled")
    public static let rateLimited = TaskActionKind(rawValue: "rate_limited")
    public static let cancelRequested = TaskActionKind(rawValue: "cancel_requested")
    public static let cancelled = TaskActionKind(rawValue: "cancelled")
    public static let rescued = TaskActionKind(rawValue: "rescued")
    public static let requeued = TaskActionKind(rawValue: "requeued")
    public static let retried = TaskActionKind(rawValue: "retried")
}
