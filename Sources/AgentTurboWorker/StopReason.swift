/// Why a worker stopped an agent itself. The first reason given wins.
enum StopReason: Sendable, Hashable, CustomStringConvertible {
    case timeout(seconds: Int)
    case cancelRequested
    /// The worker is shutting down: the task goes back to the queue without spending a retry.
    case shutdown
    /// The worker could not renew its lease (the database is away or too slow) and stopped the agent before
    /// the lease ran out, so that no other worker runs the task while it still does.
    case fenced
    /// Another worker owns the task now: nothing is recorded.
    case leaseLost

    var description: String {
        switch self {
        case .timeout(let seconds): "timed out after \(seconds) s"
        case .cancelRequested: "cancel requested"
        case .shutdown: "worker shutting down"
        case .fenced: "lease not renewed"
        case .leaseLost: "lease lost"
        }
    }
}
