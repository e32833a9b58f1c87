import AgentTurboAgents
import AgentTurboCore
import Foundation

/// Drives one attempt's ``AttemptLifecycle`` in real time: anyone (a cancel request, the drain, the lease
/// renewal) tells it what happened, a timer wakes it when the lifecycle has something due (the deadline, the
/// fence before the lease runs out, the kill after the grace period), and it applies the lifecycle's actions
/// to the agent's supervisor.
actor AttemptControl {
    let ref: AttemptRef
    private var lifecycle: AttemptLifecycle
    private var process: AgentProcess?
    private var timer: Task<Void, Never>?

    init(ref: AttemptRef, timing: AttemptLifecycle.Timing, leaseValidUntil: MonotonicInstant) {
        self.ref = ref
        self.lifecycle = AttemptLifecycle(timing: timing, leaseValidUntil: leaseValidUntil)
    }

    /// Why it was asked to stop, if it was.
    var reason: StopReason? { lifecycle.stop?.reason }

    /// Whether the lease is about to run out unrenewed: what runs before the agent (a setup command) must stop
    /// now, as the agent would be stopped.
    var fenceIsDue: Bool { MonotonicInstant.now >= lifecycle.fenceAt }

    /// The agent's process is running (started and not yet ended).
    var agentIsRunning: Bool { process != nil && !lifecycle.hasEnded }

    /// The process has started: the deadline runs from its start; a stop asked for before is delivered now.
    func attach(_ process: AgentProcess) {
        self.process = process
        perform(lifecycle.started(at: process.startedAt))
        reschedule()
    }

    /// Stops the attempt; `immediately` skips the grace period (a second shutdown signal). Returns whether
    /// this call was the one that stopped a running agent.
    @discardableResult
    func stop(_ reason: StopReason, immediately: Bool = false) -> Bool {
        let wasStopped = lifecycle.stop != nil
        perform(lifecycle.requestStop(reason, immediately: immediately, at: .now))
        reschedule()
        return !wasStopped && agentIsRunning
    }

    func leaseRenewed(validUntil: MonotonicInstant) {
        lifecycle.leaseRenewed(validUntil: validUntil)
        reschedule()
    }

    /// The supervisor has ended: no more signals, and the verdict on what the outcome is about.
    func ended(at endedAt: MonotonicInstant?, stopDelivered: Bool? = nil) -> AttemptLifecycle.Verdict {
        timer?.cancel()
        timer = nil
        return lifecycle.ended(at: endedAt, stopDelivered: stopDelivered)
    }

    private func perform(_ actions: [AttemptLifecycle.Action]) {
        guard let process else { return }
        for action in actions {
            switch action {
            case .terminate: process.terminate()
            case .kill: process.kill()
            case .forceKill: process.forceKill()
            }
        }
    }

    /// One timer, set for whatever the lifecycle has due next.
    private func reschedule() {
        timer?.cancel()
        guard let wakeup = lifecycle.nextWakeup else {
            timer = nil
            return
        }
        let delay = max(.zero, wakeup - .now)
        timer = Task {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            self.fire()
        }
    }

    private func fire() {
        perform(lifecycle.advance(to: .now))
        reschedule()
    }
}
