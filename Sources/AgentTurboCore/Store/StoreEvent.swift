/// A hint from the store that something changed: wakes waiting workers at once. Hints may be lost or
/// repeated; workers keep a poll as the fallback.
public enum StoreEvent: Sendable, Hashable {
    /// Tasks were added or became pending again.
    case tasksAvailable
    /// Someone asked to cancel a running task.
    case cancelRequested(taskID: String)
    /// Something changed in another process (tasks added or freed, a cancel request): look.
    case changed
}
