import AgentTurboCore
import Foundation
import Logging

/// Keeps trying a store operation while the database is unreachable (a restart, a failover), with backoff,
/// so that an agent's outcome is recorded once the database is back.
enum StoreRetry {
    /// How long to keep trying before giving up and leaving the task to the rescuer.
    static let patience: Duration = .seconds(900)

    /// Returns `true` once `body` succeeded, `false` when it failed otherwise or patience ran out.
    @discardableResult
    static func untilDone(logger: Logger, what: String, _ body: @Sendable () async throws -> Void) async -> Bool {
        let start = ContinuousClock.now
        var delay: Duration = .milliseconds(200)
        while true {
            do {
                try await body()
                return true
            } catch let error as StoreError where error.code == .unavailable && ContinuousClock.now - start < patience {
                logger.warning("database unavailable, will try again to \(what)", metadata: ["error": "\(error.message)"])
            } catch {
                logger.error("could not \(what)", metadata: ["error": "\(error)"])
                return false
            }
            // A cancelled caller (the worker stopping its background work) stops trying; the recording of
            // outcomes runs in tasks of its own and is never cancelled.
            guard !Task.isCancelled else { return false }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
