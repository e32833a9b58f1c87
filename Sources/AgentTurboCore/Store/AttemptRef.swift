/// Names one attempt of one task as its worker knows it. The store refuses any write about an attempt whose
/// owner or number no longer match the row, so a late worker never overwrites a newer attempt's outcome.
public struct AttemptRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var taskID: String
    public var workerID: String
    public var attempt: Int

    public init(taskID: String, workerID: String, attempt: Int) {
        self.taskID = taskID
        self.workerID = workerID
        self.attempt = attempt
    }

    public var description: String { "\(taskID)#\(attempt)@\(workerID)" }
}
