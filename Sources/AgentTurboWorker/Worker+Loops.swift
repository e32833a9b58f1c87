import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging
import Synchronization

extension Worker {
    /// Every quarter of the lease (every second after a failure): heartbeat, renew the leases of running
    /// attempts, and act on what the renewal reports (lost leases, cancel requests). Renewals go ahead of other
    /// writes and give up sooner (see ``LeaseTiming``); what each one secures is told to its attempt, which stops
    /// its agent itself if renewals stop coming in time.
    func heartbeatLoop() async {
        let timing = configuration.leaseTiming
        while !Task.isCancelled {
            let refs = await running.refs
            var succeeded = true
            // Renewal first, on its own: a heartbeat that fails or waits must not hold it up.
            if !refs.isEmpty {
                do {
                    let sentAt = MonotonicInstant.now
                    let renewal = try await store.renewLeases(refs, leaseSeconds: configuration.leaseSeconds)
                    for ref in renewal.renewed {
                        await running.control(for: ref)?.leaseRenewed(validUntil: sentAt + timing.lease)
                    }
                    for ref in renewal.lost {
                        if let control = await running.control(for: ref), await control.stop(.leaseLost) {
                            logger.warning("lease lost: another worker owns the task now; its agent was stopped", metadata: ["task_id": "\(ref.taskID)"])
                        }
                    }
                    await stopCancelled(renewal.cancelRequested)
                } catch {
                    succeeded = false
                    logger.warning("could not renew leases; trying again", metadata: ["error": "\(error)"])
                }
            }
            do {
                try await store.heartbeat(
                    WorkerHeartbeat(
                        workerID: configuration.workerID, state: lifecycle.isDraining ? .draining : .running,
                        runningTasks: refs.count, holdReason: lifecycle.holdReason,
                        worktrees: worktreeUsage.withLock { $0 },
                        spoolBytes: AttemptFolder.spoolBytes(under: configuration.runDirectory)
                    )
                )
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: succeeded ? timing.renewInterval : timing.retryInterval)
        }
    }

    /// Takes its turn as the one rescuer: whoever holds the leadership lease takes back expired leases and
    /// marks silent workers dead.
    func rescueLoop() async {
        let interval = configuration.rescueInterval
        while !Task.isCancelled {
            do {
                if try await store.acquireLeadership("rescuer", holder: configuration.workerID, leaseSeconds: interval * 3) {
                    let rescued = try await store.rescueExpiredLeases(
                        by: configuration.workerID, graceSeconds: configuration.leaseTiming.rescueGrace.seconds
                    )
                    for task in rescued {
                        logger.notice("rescued a task whose lease expired", metadata: [
                            "task_id": "\(task.taskID)", "previous_worker": "\(task.previousWorkerID ?? "?")",
                            "status": "\(task.newStatus.rawValue)",
                        ])
                    }
                    if !rescued.isEmpty {
                        wake.signal()
                    }
                    let dead = try await store.markSilentWorkersDead(silentSeconds: max(3 * configuration.leaseSeconds, 30))
                    if !dead.isEmpty {
                        logger.notice("marked silent workers dead", metadata: ["workers": "\(dead.joined(separator: ", "))"])
                    }
                }
            } catch {
                logger.warning("rescue failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// Checks often for cancel requests made by other processes, so a cancelled agent stops within about a second.
    func cancelCheckLoop() async {
        let interval = Duration.seconds(configuration.cancelCheckInterval)
        while !Task.isCancelled {
            if await !running.isEmpty {
                await checkCancelRequests()
            }
            try? await Task.sleep(for: interval)
        }
    }

    func checkCancelRequests() async {
        do {
            await stopCancelled(try await store.cancelRequests(workerID: configuration.workerID))
        } catch {
            logger.debug("cancel check failed", metadata: ["error": "\(error)"])
        }
    }

    private func stopCancelled(_ refs: [AttemptRef]) async {
        for ref in refs {
            if let control = await running.control(for: ref), await control.reason == nil {
                logger.notice("cancel requested: stopping the agent", metadata: ["task_id": "\(ref.taskID)"])
                await control.stop(.cancelRequested)
            }
        }
    }

    /// Store hints: new tasks wake the dispatcher, a cancel request is checked at once.
    func eventLoop(_ events: AsyncStream<StoreEvent>) async {
        for await event in events {
            switch event {
            case .tasksAvailable:
                wake.signal()
            case .cancelRequested(let taskID):
                if await running.control(forTask: taskID) != nil {
                    await checkCancelRequests()
                }
            case .changed:
                wake.signal()
                if await !running.isEmpty {
                    await checkCancelRequests()
                }
            }
        }
    }
}
