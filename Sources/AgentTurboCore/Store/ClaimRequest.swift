import Foundation

/// A worker asking for up to `limit` ready tasks, leased to it for `lease` seconds.
public struct ClaimRequest: Sendable, Hashable {
    public var workerID: String
    public var limit: Int
    public var leaseSeconds: Double
    /// Agent profiles this worker can run; `nil` means any.
    public var agents: Set<String>?
    /// Agent profiles held back (for example by a rate limit) that must not be claimed now.
    public var excludedAgents: Set<String>
    /// Only tasks of this `run` batch.
    public var batchID: String?

    public init(
        workerID: String, limit: Int, leaseSeconds: Double, agents: Set<String>? = nil,
        excludedAgents: Set<String> = [], batchID: String? = nil
    ) {
        self.workerID = workerID
        self.limit = limit
        self.leaseSeconds = leaseSeconds
        self.agents = agents
        self.excludedAgents = excludedAgents
        self.batchID = batchID
    }
}

/// What a worker learns when it renews the leases of its running attempts.
public struct LeaseRenewal: Sendable, Hashable {
    /// Attempts whose lease was extended.
    public var renewed: [AttemptRef]
    /// Attempts this worker no longer owns (rescued by someone else, or finished): stop them, record nothing.
    public var lost: [AttemptRef]
    /// Attempts someone asked to cancel.
    public var cancelRequested: [AttemptRef]

    public init(renewed: [AttemptRef] = [], lost: [AttemptRef] = [], cancelRequested: [AttemptRef] = []) {
        self.renewed = renewed
        self.lost = lost
        self.cancelRequested = cancelRequested
    }
}

/// What `cancel` did.
public enum CancelResult: Sendable, Hashable {
    /// A pending task was cancelled at once.
    case cancelled(AgentTask)
    /// A running task was flagged; its worker stops it and records `cancelled`.
    case requested(AgentTask)
    /// The task had already finished; nothing changed.
    case alreadyFinished(AgentTask)
}

/// A task a rescuer took back from a worker whose lease expired.
public struct RescuedTask: Sendable, Hashable {
    public var taskID: String
    public var previousWorkerID: String?
    /// `pending` when it has retries left, `failed` when that was its last attempt.
    public var newStatus: TaskStatus

    public init(taskID: String, previousWorkerID: String?, newStatus: TaskStatus) {
        self.taskID = taskID
        self.previousWorkerID = previousWorkerID
        self.newStatus = newStatus
    }
}
