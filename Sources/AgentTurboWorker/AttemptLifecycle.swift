import AgentTurboAgents
import Foundation

/// The life of one attempt as the worker sees it, as a pure state machine: events and times go in, actions
/// come out, and it has no clock of its own (tests drive it with made-up instants).
///
/// It decides when to ask the agent to stop (its deadline, a cancel request, the drain, or a lease about to
/// run out that could not be renewed), when to kill it after the grace period, and at the end whether the
/// outcome is what the agent did or why it was stopped: an agent that ended before it was asked to stop is
/// recorded as it ended, however late the worker noticed.
struct AttemptLifecycle: Sendable {
    struct Timing: Sendable {
        /// The task's timeout, measured from the agent's start.
        var timeout: Duration
        /// Between asking the agent to stop and killing it.
        var killGrace: Duration
        /// How long before the lease runs out a worker that could not renew it stops its agent.
        var fenceMargin: Duration
        /// After a kill, how long the supervisor gets before it is killed itself.
        var forceKillAfter: Duration = .seconds(5)
    }

    enum Action: Sendable, Hashable {
        /// SIGTERM to the agent's group (through the supervisor).
        case terminate
        /// The supervisor kills the agent and everything it started.
        case kill
        /// The supervisor did not end after a kill: SIGKILL to it and to the agent's group.
        case forceKill
    }

    /// What the outcome of the attempt is about.
    enum Verdict: Sendable, Hashable {
        /// The agent ended by itself: its exit and output decide.
        case natural
        /// It was stopped, and this is why.
        case stopped(StopReason)
    }

    struct Stop: Sendable, Hashable {
        var reason: StopReason
        var requestedAt: MonotonicInstant
        var killAt: MonotonicInstant
        var killedAt: MonotonicInstant?
        var forceKilled = false
    }

    let timing: Timing
    private(set) var startedAt: MonotonicInstant?
    private(set) var stop: Stop?
    private(set) var leaseValidUntil: MonotonicInstant
    private(set) var hasEnded = false

    init(timing: Timing, leaseValidUntil: MonotonicInstant) {
        self.timing = timing
        self.leaseValidUntil = leaseValidUntil
    }

    var deadline: MonotonicInstant? { startedAt.map { $0 + timing.timeout } }
    var fenceAt: MonotonicInstant { leaseValidUntil - timing.fenceMargin }

    /// The agent's process started at `instant`: its deadline runs from there. A stop asked for before it
    /// started is delivered now.
    mutating func started(at instant: MonotonicInstant) -> [Action] {
        startedAt = instant
        guard let stop else { return [] }
        return stop.killedAt != nil ? [.terminate, .kill] : [.terminate]
    }

    /// A renewal reached the database: the lease holds until `validUntil` (measured from when it was sent).
    mutating func leaseRenewed(validUntil: MonotonicInstant) {
        leaseValidUntil = max(leaseValidUntil, validUntil)
    }

    /// Asks the agent to stop; the first reason is the one recorded. `immediately` kills without the grace
    /// period (a second shutdown signal).
    mutating func requestStop(_ reason: StopReason, immediately: Bool = false, at now: MonotonicInstant) -> [Action] {
        guard !hasEnded else { return [] }
        var actions: [Action] = []
        if stop == nil {
            stop = Stop(reason: reason, requestedAt: now, killAt: now + grace(for: reason))
            if startedAt != nil {
                actions.append(.terminate)
            }
        }
        if immediately || stop!.killAt <= now {
            actions += kill(at: now)
        }
        return actions
    }

    /// What is due at `now`: the deadline, the fence before the lease runs out, the kill after the grace.
    mutating func advance(to now: MonotonicInstant) -> [Action] {
        guard !hasEnded, startedAt != nil else { return [] }
        if stop == nil {
            if let deadline, now >= deadline {
                return requestStop(.timeout(seconds: Int(timing.timeout.seconds.rounded())), at: now)
            }
            if now >= fenceAt {
                return requestStop(.fenced, at: now)
            }
            return []
        }
        guard let stop = self.stop else { return [] }
        if stop.killedAt == nil, now >= stop.killAt {
            return kill(at: now)
        }
        if let killedAt = stop.killedAt, !stop.forceKilled, now >= killedAt + timing.forceKillAfter {
            self.stop?.forceKilled = true
            return [.forceKill]
        }
        return []
    }

    /// When `advance` next has something to do; `nil` when nothing is scheduled.
    var nextWakeup: MonotonicInstant? {
        guard !hasEnded, startedAt != nil else { return nil }
        guard let stop else {
            return [deadline, fenceAt].compactMap { $0 }.min()
        }
        if stop.killedAt == nil {
            return stop.killAt
        }
        return stop.forceKilled ? nil : stop.killedAt! + timing.forceKillAfter
    }

    /// The agent's process is gone; `endedAt` is when its supervisor saw it end. `stopDelivered == false`: the
    /// supervisor never signalled it (it had ended by itself when the request reached the supervisor, however
    /// late the supervisor saw that end on a loaded machine), so its end is its own.
    mutating func ended(at endedAt: MonotonicInstant?, stopDelivered: Bool? = nil) -> Verdict {
        hasEnded = true
        guard let stop else { return .natural }
        if stopDelivered == false || endedAt.map({ $0 < stop.requestedAt }) == true {
            return .natural
        }
        return .stopped(stop.reason)
    }

    private mutating func kill(at now: MonotonicInstant) -> [Action] {
        guard stop?.killedAt == nil else { return [] }
        stop?.killedAt = now
        return startedAt == nil ? [] : [.kill]
    }

    /// How long the agent gets between SIGTERM and the kill. One whose lease is running out must be gone
    /// before it does; one whose task another worker owns now is killed at once.
    private func grace(for reason: StopReason) -> Duration {
        switch reason {
        case .fenced: min(timing.killGrace, timing.fenceMargin / 2)
        case .leaseLost: .zero
        case .timeout, .cancelRequested, .shutdown: timing.killGrace
        }
    }
}
