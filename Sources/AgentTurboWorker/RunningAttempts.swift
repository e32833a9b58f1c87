import AgentTurboAgents
import AgentTurboCore

/// The attempts a worker is running, by task id: from the claim until their outcome is recorded (their leases
/// are renewed all that time). An attempt whose agent has ended no longer takes an agent slot, so the next
/// task starts while the last one's outcome is being written.
actor RunningAttempts {
    private var attempts: [String: AttemptControl] = [:]
    private var agentsEnded: Set<AttemptRef> = []
    /// Set once every attempt was told to stop (the drain's end, a second signal): one added later is
    /// stopped the same way as it comes in, so no claim in flight can start an agent after that.
    private var stoppingAll: (reason: StopReason, immediately: Bool)?

    var count: Int { attempts.count }
    /// Attempts whose agent may still be running: the slots in use.
    var busySlots: Int { attempts.count - agentsEnded.count }
    var refs: [AttemptRef] { attempts.values.map(\.ref) }
    var isEmpty: Bool { attempts.isEmpty }
    var all: [AttemptControl] { Array(attempts.values) }

    func add(_ control: AttemptControl) async {
        attempts[control.ref.taskID] = control
        if let stoppingAll {
            await control.stop(stoppingAll.reason, immediately: stoppingAll.immediately)
        }
    }

    /// The attempt's agent has ended (or never started): its slot is free, its recording still under way.
    func agentEnded(_ ref: AttemptRef) {
        if attempts[ref.taskID]?.ref == ref {
            agentsEnded.insert(ref)
        }
    }

    func remove(_ ref: AttemptRef) {
        if attempts[ref.taskID]?.ref == ref {
            attempts.removeValue(forKey: ref.taskID)
        }
        agentsEnded.remove(ref)
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
