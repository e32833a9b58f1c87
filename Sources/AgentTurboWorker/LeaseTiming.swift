import AgentTurboAgents
import Foundation

/// The arithmetic of leases, in one place (docs/architecture.md explains it with the defaults).
///
/// A claim or renewal holds the task until `sent + lease` by the worker's own monotonic clock, which is never
/// later than the database's `lease_expires_at` (the database stamps it after the request left). The worker
/// renews every quarter of the lease, and every second after a renewal failed. If it cannot renew, it stops
/// its agents `fenceMargin` before that time (SIGTERM, then the kill within half the margin), so they are gone
/// before the lease runs out. The rescuer takes a task back only `rescueGrace` after `lease_expires_at`, by the
/// database's clock. So a task is never run by two agents at once, and a live worker that keeps reaching the
/// database within a lease keeps its tasks, however slow the database or the machine.
public struct LeaseTiming: Sendable, Hashable {
    public var lease: Duration
    public var renewInterval: Duration
    /// Between failed renewals.
    public var retryInterval: Duration
    /// How long renewal waits for the database before it counts as failed and is tried again.
    public var renewalDeadline: Duration
    public var fenceMargin: Duration
    public var rescueGrace: Duration

    public init(leaseSeconds: Double, killGraceSeconds: Double) {
        lease = .seconds(fractional: leaseSeconds)
        renewInterval = lease / 4
        retryInterval = min(.seconds(1), renewInterval)
        renewalDeadline = max(.milliseconds(500), lease / 4)
        // Time for SIGTERM, the kill grace and a margin; never more than half the lease.
        fenceMargin = min(.seconds(fractional: killGraceSeconds) + .seconds(2), lease / 2)
        rescueGrace = min(.seconds(5), lease / 5)
    }
}

extension WorkerConfiguration {
    public var leaseTiming: LeaseTiming { LeaseTiming(leaseSeconds: leaseSeconds, killGraceSeconds: killGraceSeconds) }
}
