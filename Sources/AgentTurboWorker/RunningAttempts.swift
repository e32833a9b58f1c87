import AgentTurboAgents
import AgentTurboCore

/// The attempts a worker is running, by task id.
actor RunningAttempts {
    private var attempts: [String: AttemptControl] = [:]

    var count: Int { attempts.count }
    var refs: [AttemptRef] { attempts.values.map(\.ref) }
    var isEmpty: Bool { attempts.isEmpty }

    func add(_ control: AttemptControl) {
        attempts[control.ref.taskID] = control
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
        for control in attempts.values {
            await control.stop(reason, immediately: immediately)
        }
    }
}
