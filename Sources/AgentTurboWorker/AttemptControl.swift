import AgentTurboAgents
import AgentTurboCore
import Foundation

/// The handle by which anyone (timeout, cancel request, lost lease, shutdown) stops one running attempt:
/// SIGTERM to its process group, then, after the grace period, the supervisor kills the agent and everything
/// it started. The first reason is the one recorded.
actor AttemptControl {
    let ref: AttemptRef
    let killGrace: Duration
    private(set) var reason: StopReason?
    private var process: AgentProcess?
    private var killer: Task<Void, Never>?
    private var killedHard = false
    private var hasEnded = false

    init(ref: AttemptRef, killGrace: Duration) {
        self.ref = ref
        self.killGrace = killGrace
    }

    /// The process has started; a stop asked for before this point is delivered now.
    func attach(_ process: AgentProcess) {
        self.process = process
        if reason != nil {
            deliver()
        }
        if killedHard {
            kill(process)
        }
    }

    /// Stops the attempt; `immediately` skips the grace period (a second shutdown signal).
    func stop(_ reason: StopReason, immediately: Bool = false) {
        if self.reason == nil {
            self.reason = reason
            deliver()
        }
        if immediately, !killedHard {
            killedHard = true
            if let process {
                kill(process)
            }
        }
    }

    /// SIGTERM to the group now; the kill after the grace period.
    private func deliver() {
        guard let process, killer == nil else { return }
        process.signalGroup(SIGTERM)
        let grace = killGrace
        killer = Task {
            try? await Task.sleep(for: grace)
            if !Task.isCancelled {
                self.kill(process)
            }
        }
    }

    /// The supervisor kills the agent and everything it started; should the supervisor itself not answer,
    /// the whole group gets SIGKILL a little later.
    private func kill(_ process: AgentProcess) {
        process.kill()
        Task {
            try? await Task.sleep(for: .seconds(5))
            if !self.hasEnded {
                process.signalGroup(SIGKILL)
            }
        }
    }

    /// The process is gone: nothing more to signal.
    func ended() {
        hasEnded = true
        killer?.cancel()
    }
}
