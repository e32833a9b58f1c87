import AgentTurboAgents
import AgentTurboCore

/// The attempts a worker is running, by task id.
actor RunningAttempts {
    private var attempts: [String: AttemptControl] = [:]
    /// Set once every attempt was told to stop (the drain's end, a second signal): one added later is
    /// stopped the same way as it comes in, so no claim in flight can start an agent after that.
    private var stoppingAll: (reason: StopReason, immediately: Bool)?

    var count: Int { attempts.count }
    var refs: [AttemptRef] { attempts.values.map(\.ref) }
    var isEmpty: Bool { attempts.isEmpty }
    var all: [AttemptControl] { Array(attempts.values) }

    func add(_ control: AttemptControl) async {
        attempts[control.ref.taskID] = control
        if let stoppingAll {
            await control.stop(stoppingAll.reason, immediately: stoppingAll.immediately)
        }
    }

    func remove(_ ref: AttemptRef) {
        if attempts[ref.taskID]?.ref == ref {
            attempts.removeValue(forKey: ref.taskID)
        }
    }

    func control(for ref: AttemptRef) -> AttemptControl? {
        attempts[ref.taskID].flatMap { $0.ref == ref ? $0 : nil }
    }

    func control(forTask taskID: String) -> AttemptControl? {
        attempts[taskID]
    }

    func stopAll(_ reason: StopReason, immediately: Bool) async {
        if stoppingAll == nil || immediately {
            stoppingAll = (reason, immediately)
        }
        for control in attempts.values {
            await control.stop(reason, immediately: immediately)
        }
    }
}
