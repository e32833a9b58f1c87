import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

extension Worker {
    /// Fills free slots with claimed tasks until the worker drains (or, for `run`, its batch is done).
    /// A finished attempt or a store hint wakes it at once; otherwise it polls every `pollInterval`.
    func dispatchLoop(into attempts: inout TaskGroup<Void>) async {
        let agents = configuration.agents
        while !lifecycle.isDraining {
            let free = configuration.concurrency - (await running.busySlots)
            var claimed: [AgentTask] = []
            var claimSentAt = MonotonicInstant.now
            if free > 0 {
                let allowance = admission.allowance(freeSlots: free)
                lifecycle.holdReason = allowance.holdReason
                if allowance.slots > 0 {
                    claimSentAt = .now
                    do {
                        claimed = try await store.claim(
                            ClaimRequest(
                                workerID: configuration.workerID, limit: allowance.slots,
                                leaseSeconds: configuration.leaseSeconds, agents: agents,
                                batchID: configuration.batchID
                            )
                        )
                    } catch {
                        logger.warning("could not claim tasks", metadata: ["error": "\(error)"])
                    }
                }
            }
            if lifecycle.isDraining, !claimed.isEmpty {
                // The drain began while this claim was on its way: start nothing, hand the tasks back.
                await handBack(claimed)
                break
            }
            for task in claimed {
                await start(task, claimSentAt: claimSentAt, in: &attempts)
            }
            if configuration.exitWhenIdle, claimed.isEmpty, await running.isEmpty, await batchIsDone() {
                logger.info("nothing left to run")
                _ = lifecycle.beginDrain()
                break
            }
            if claimed.isEmpty || claimed.count == free {
                await wake.wait(timeout: .seconds(configuration.pollInterval))
            }
        }
    }

    private func start(_ task: AgentTask, claimSentAt: MonotonicInstant, in attempts: inout TaskGroup<Void>) async {
        guard let ref = task.attemptRef else { return }
        let timing = configuration.leaseTiming
        let control = AttemptControl(
            ref: ref,
            timing: AttemptLifecycle.Timing(
                timeout: .seconds(task.timeoutSeconds), killGrace: .seconds(fractional: configuration.killGraceSeconds),
                fenceMargin: timing.fenceMargin
            ),
            leaseValidUntil: claimSentAt + timing.lease
        )
        await running.add(control)
        let runner = AttemptRunner(
            store: store, configuration: configuration, profiles: profiles, finisher: finisher,
            environments: environments, workspaces: workspaces, logger: logger
        )
        let running = running
        let wake = wake
        let sweepWake = sweepWake
        attempts.addTask {
            await runner.run(task, control: control) {
                await running.agentEnded(ref)
                wake.signal()
            }
            await running.remove(ref)
            wake.signal()
            if task.worktree {
                sweepWake.signal()
            }
        }
    }

    /// Puts tasks claimed during the drain back without running them or spending a retry.
    private func handBack(_ tasks: [AgentTask]) async {
        let requests = tasks.compactMap { task in
            task.attemptRef.map {
                FinishRequest(attempt: $0, outcome: .requeued(reason: "claimed as the worker began shutting down"), isAgentsOwnOutcome: false)
            }
        }
        let store = store
        let policy = configuration.retryPolicy
        let logger = logger
        _ = await Task {
            await StoreRetry.untilDone(logger: logger, what: "hand back tasks claimed during the drain") {
                _ = try await store.finish(requests, retryPolicy: policy)
            }
        }.value
    }

    /// For `run`: true once none of the batch's tasks is pending or running.
    private func batchIsDone() async -> Bool {
        do {
            let counts = try await store.statusCounts(batchID: configuration.batchID)
            return (counts[.pending] ?? 0) == 0 && (counts[.running] ?? 0) == 0
        } catch {
            logger.warning("could not count remaining tasks", metadata: ["error": "\(error)"])
            return false
        }
    }
}
