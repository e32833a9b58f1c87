import Foundation

/// The life of a worker process as `agent_workers.state` records it.
public enum WorkerState: String, Sendable, Codable, Hashable, CaseIterable {
    case running
    /// Shutting down: claims nothing, lets running agents finish.
    case draining
    case stopped
    /// Silent past its heartbeat deadline; a rescuer marked it.
    case dead
}

/// What a worker says about itself when it starts.
public struct WorkerRegistration: Sendable, Hashable {
    public var workerID: String
    public var hostname: String
    public var pid: Int
    public var concurrency: Int
    public var version: String

    public init(workerID: String, hostname: String, pid: Int, concurrency: Int, version: String) {
        self.workerID = workerID
        self.hostname = hostname
        self.pid = pid
        self.concurrency = concurrency
        self.version = version
    }
}

/// A heartbeat: the worker is alive, in this state, running this many agents, holding back for this reason.
public struct WorkerHeartbeat: Sendable, Hashable {
    public var workerID: String
    public var state: WorkerState
    public var runningTasks: Int
    /// Why the worker is not claiming although it has free slots (a memory floor, a held-back profile).
    public var holdReason: String?
    /// Task worktrees on the worker's host (running and kept ones) and the disk they take, last measured.
    public var worktrees: WorktreeUsage?
    /// Bytes the attempt spools in the run directory of the worker's host take (a spool is removed once its
    /// attempt is recorded), last measured.
    public var spoolBytes: Int?

    public init(
        workerID: String, state: WorkerState, runningTasks: Int, holdReason: String? = nil,
        worktrees: WorktreeUsage? = nil, spoolBytes: Int? = nil
    ) {
        self.workerID = workerID
        self.state = state
        self.runningTasks = runningTasks
        self.holdReason = holdReason
        self.worktrees = worktrees
        self.spoolBytes = spoolBytes
    }
}

/// One row of `agent_workers`.
public struct WorkerRecord: Sendable, Hashable, Codable {
    public var workerID: String
    public var hostname: String
    public var pid: Int
    public var concurrency: Int
    public var state: WorkerState
    public var version: String
    public var startedAt: Date
    public var lastHeartbeatAt: Date
    public var stoppedAt: Date?
    public var runningTasks: Int
    public var holdReason: String?
    /// Task worktrees on its host and the bytes they take, as its last heartbeat said.
    public var worktrees: Int
    public var worktreeBytes: Int
    /// Bytes the attempt spools in its host's run directory take, as its last heartbeat said.
    public var spoolBytes: Int

    public init(
        workerID: String, hostname: String, pid: Int, concurrency: Int, state: WorkerState, version: String,
        startedAt: Date, lastHeartbeatAt: Date, stoppedAt: Date?, runningTasks: Int, holdReason: String?,
        worktrees: Int = 0, worktreeBytes: Int = 0, spoolBytes: Int = 0
    ) {
        self.workerID = workerID
        self.hostname = hostname
        self.pid = pid
        self.concurrency = concurrency
        self.state = state
        self.version = version
        self.startedAt = startedAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.stoppedAt = stoppedAt
        self.runningTasks = runningTasks
        self.holdReason = holdReason
        self.worktrees = worktrees
        self.worktreeBytes = worktreeBytes
        self.spoolBytes = spoolBytes
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id"
        case hostname
        case pid
        case concurrency
        case state
        case version
        case startedAt = "started_at"
        case lastHeartbeatAt = "last_heartbeat_at"
        case stoppedAt = "stopped_at"
        case runningTasks = "running_tasks"
        case holdReason = "hold_reason"
        case worktrees
        case worktreeBytes = "worktree_bytes"
        case spoolBytes = "spool_bytes"
    }
}

/// How many task worktrees a worker's host holds and the disk they take.
public struct WorktreeUsage: Sendable, Hashable {
    public var count: Int
    public var bytes: Int

    public init(count: Int, bytes: Int) {
        self.count = count
        self.bytes = bytes
    }
}

/// An agent profile held back on every worker until a time, for example after a usage limit.
public struct AgentHold: Sendable, Hashable, Codable {
    public var agent: String
    public var until: Date
    public var reason: String

    public init(agent: String, until: Date, reason: String) {
        self.agent = agent
        self.until = until
        self.reason = reason
    }
}
