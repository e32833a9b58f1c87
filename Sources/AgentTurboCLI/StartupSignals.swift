import Foundation
import Logging
import Synchronization
import UnixSignals

/// SIGTERM or SIGINT before a worker runs: it may still be waiting for its database (a restart, a failover),
/// and a service manager stopping it then must not see it killed by the signal. Nothing has started, so nothing
/// needs draining: it exits 0 as a drained worker does. Once the worker runs, its own signal handling (drain,
/// then stop at once) takes over and signals seen here are left to it.
final class StartupSignals: Sendable {
    private let running = Mutex(false)

    /// Starts watching; call ``workerRuns()`` when the worker's own handling is in place.
    static func watch(logger: Logger) async -> StartupSignals {
        let watch = StartupSignals()
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        Task {
            for await signal in signals where !watch.running.withLock({ $0 }) {
                logger.notice("stopped before the worker started; nothing ran", metadata: ["signal": "\(signal)"])
                exit(0)
            }
        }
        return watch
    }

    func workerRuns() {
        running.withLock { $0 = true }
    }
}
