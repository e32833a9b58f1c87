import Foundation

/// Counts, throughput and cost for `stats`, the API and metrics.
public struct QueueStats: Sendable, Hashable, Codable {
    public var countsByStatus: [String: Int]
    /// Pending tasks whose `run_after` has passed.
    public var ready: Int
    /// Pending tasks waiting for their `run_after`.
    public var delayed: Int
    public var completedLastMinute: Int
    public var completedLastHour: Int
    public var failedLastHour: Int
    public var oldestReadyAt: Date?
    public var totalCostUSD: Double
    public var totalInputTokens: Int
    public var totalOutputTokens: Int
    public var liveWorkers: Int
    /// From a task becoming ready (added, or its `run_after` passed) to its attempt starting, over the most
    /// recent attempts: the wake-up latency while workers are idle, queueing when they are all busy.
    public var queueWait: Percentiles?
    public var agents: [AgentStats]
    /// Task worktrees on the hosts of live workers, and the disk they take (as their heartbeats said).
    public var worktrees: Int
    public var worktreeBytes: Int
    /// Disk the attempt spools (agent output) on the hosts of live workers take; each is removed once its
    /// attempt is recorded, so it grows while the database is away.
    public var spoolBytes: Int
    /// Agent profiles held back on every worker right now.
    public var holds: [AgentHold]
    /// Finished attempts in each of the last 60 minutes, oldest first, the current minute last.
    public var activityLastHour: [ActivityBucket]
    /// Finished attempts in each of the last 96 quarter hours, oldest first, the current one last.
    public var activityLastDay: [ActivityBucket]

    public init(
        countsByStatus: [String: Int], ready: Int, delayed: Int, completedLastMinute: Int, completedLastHour: Int,
        failedLastHour: Int, oldestReadyAt: Date?, totalCostUSD: Double, totalInputTokens: Int,
        totalOutputTokens: Int, liveWorkers: Int, queueWait: Percentiles? = nil, agents: [AgentStats],
        worktrees: Int = 0, worktreeBytes: Int = 0, spoolBytes: Int = 0,
        holds: [AgentHold] = [], activityLastHour: [ActivityBucket] = [], activityLastDay: [ActivityBucket] = []
    ) {
        self.countsByStatus = countsByStatus
        self.ready = ready
        self.delayed = delayed
        self.completedLastMinute = completedLastMinute
        self.completedLastHour = completedLastHour
        self.failedLastHour = failedLastHour
        self.oldestReadyAt = oldestReadyAt
        self.totalCostUSD = totalCostUSD
        self.totalInputTokens = totalInputTokens
        self.totalOutputTokens = totalOutputTokens
        self.liveWorkers = liveWorkers
        self.queueWait = queueWait
        self.agents = agents
        self.worktrees = worktrees
        self.worktreeBytes = worktreeBytes
        self.spoolBytes = spoolBytes
        self.holds = holds
        self.activityLastHour = activityLastHour
        self.activityLastDay = activityLastDay
    }

    public func count(_ status: TaskStatus) -> Int { countsByStatus[status.rawValue] ?? 0 }

    enum CodingKeys: String, CodingKey {
        case countsByStatus = "counts_by_status"
        case ready
        case delayed
        case completedLastMinute = "completed_last_minute"
        case completedLastHour = "completed_last_hour"
        case failedLastHour = "failed_last_hour"
        case oldestReadyAt = "oldest_ready_at"
        case totalCostUSD = "total_cost_usd"
        case totalInputTokens = "total_input_tokens"
        case totalOutputTokens = "total_output_tokens"
        case liveWorkers = "live_workers"
        case queueWait = "queue_wait_sec"
        case agents
        case worktrees
        case worktreeBytes = "worktree_bytes"
        case spoolBytes = "spool_bytes"
        case holds
        case activityLastHour = "activity_last_hour"
        case activityLastDay = "activity_last_day"
    }
}

/// Per agent profile: how many attempts finished and what one costs in time, memory and CPU, so that an
/// operator can size concurrency from data.
public struct AgentStats: Sendable, Hashable, Codable {
    public var agent: String
    public var attempts: Int
    public var completed: Int
    public var failed: Int
    public var costUSD: Double
    public var duration: Percentiles?
    public var peakMemoryBytes: Percentiles?
    public var cpuSec: Percentiles?

    public init(
        agent: String, attempts: Int, completed: Int, failed: Int, costUSD: Double, duration: Percentiles?,
        peakMemoryBytes: Percentiles?, cpuSec: Percentiles?
    ) {
        self.agent = agent
        self.attempts = attempts
        self.completed = completed
        self.failed = failed
        self.costUSD = costUSD
        self.duration = duration
        self.peakMemoryBytes = peakMemoryBytes
        self.cpuSec = cpuSec
    }

    enum CodingKeys: String, CodingKey {
        case agent
        case attempts
        case completed
        case failed
        case costUSD = "cost_usd"
        case duration = "duration_sec"
        case peakMemoryBytes = "peak_memory_bytes"
        case cpuSec = "cpu_sec"
    }
}

/// The median and 95th percentile of a sample (nearest-rank).
public struct Percentiles: Sendable, Hashable, Codable {
    public var median: Double
    public var p95: Double
    public var samples: Int

    public init(median: Double, p95: Double, samples: Int) {
        self.median = median
        self.p95 = p95
        self.samples = samples
    }

    /// `nil` for an empty sample.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ fraction: Double) -> Double {
            sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
        }
        self.init(median: rank(0.5), p95: rank(0.95), samples: sorted.count)
    }
}

/// What `prune` deleted.
public struct PruneResult: Sendable, Hashable, Codable {
    public var tasks: Int
    public var actions: Int
    public var outputChunks: Int

    public init(tasks: Int, actions: Int, outputChunks: Int) {
        self.tasks = tasks
        self.actions = actions
        self.outputChunks = outputChunks
    }

    enum CodingKeys: String, CodingKey {
        case tasks
        case actions
        case outputChunks = "output_chunks"
    }
}
