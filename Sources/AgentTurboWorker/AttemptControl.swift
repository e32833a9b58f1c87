import AgentTurboAgents
import AgentTurboCore
import Foundation

/// The handle by which anyone (timeout, cancel request, lost lease, shutdown) stops one running attempt:
/// SIGTERM to its process group, then SIGKILL after the grace period. The first reason is the one recorded.
actor AttemptControl {
    let ref: AttemptRef
    let killGrace: Duration
    private(set) var reason: StopReason?
    private var process: AgentProcess?
    private var killer: Task<Void, Never>?
    private var killedHard = false

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
            process.signalGroup(SIGKILL)
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
            process?.signalGroup(SIGKILL)
        }
    }

    private func deliver() {
        guard let process, killer == nil else { return }
        process.signalGroup(SIGTERM)
        let grace = killGrace
        killer = Task {
            try? await Task.sleep(for: grace)
            if !Task.isCancelled {
                process.signalGroup(SIGKILL)
            }
        }
    }

    /// The process is gone: nothing more to signal.
    func ended() {
        killer?.cancel()
    }
}
