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
            let free = configuration.concurrency - (await running.count)
            var claimed: [AgentTask] = []
            if free > 0 {
                let allowance = admission.allowance(freeSlots: free)
                lifecycle.holdReason = allowance.holdReason
                if allowance.slots > 0 {
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
            for task in claimed {
                await start(task, in: &attempts)
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

    private func start(_ task: AgentTask, in attempts: inout TaskGroup<Void>) async {
        guard let ref = task.attemptRef else { return }
        let control = AttemptControl(ref: ref, killGrace: .seconds(configuration.killGraceSeconds))
        await running.add(control)
        let runner = AttemptRunner(store: store, configuration: configuration, profiles: profiles, logger: logger)
        let running = running
        let wake = wake
        attempts.addTask {
            await runner.run(task, control: control)
            await running.remove(ref)
            wake.signal()
        }
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
