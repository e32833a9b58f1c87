import AgentTurboCore
import AgentTurboSQL
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// LISTENs on one connection of the primary for the triggers' notifications and hands them to subscribers as
/// store hints. When the connection drops (a restart, a failover) it reconnects with backoff and, once back,
/// says that tasks may be waiting, since notifications sent meanwhile are lost.
final class NotificationListener: Sendable {
    static let tasksChannel = "agent_turbo_tasks"
    static let cancelChannel = "agent_turbo_cancel"

    let connector: PrimaryConnector
    let logger: Logger
    private let broadcaster = EventBroadcaster()
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(connector: PrimaryConnector, logger: Logger) {
        self.connector = connector
        self.logger = logger
    }

    /// Subscribes; the first subscriber starts the listening loop.
    func subscribe() -> AsyncStream<StoreEvent> {
        let stream = broadcaster.subscribe()
        loop.withLock { loop in
            if loop == nil {
                loop = Task { await self.listenForever() }
            }
        }
        return stream
    }

    func stop() async {
        let task = loop.withLock { loop in
            defer { loop = nil }
            return loop
        }
        task?.cancel()
        await task?.value
    }

    private func listenForever() async {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            let listening = Flag()
            do {
                try await connector.withConnection(operationDeadline: nil, cancellable: true) { connection in
                    try await connection.listen(on: Self.tasksChannel) { tasks in
                        try await connection.listen(on: Self.cancelChannel) { cancels in
                            listening.set()
                            // What changed before the LISTEN took hold (on a reconnect: while it was down) sent its
                            // NOTIFY to nobody; a hint makes workers look now rather than at their next poll.
                            self.broadcaster.publish([.changed])
                            try await self.forward(tasks: tasks, cancels: cancels)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.notice("lost the LISTEN connection; reconnecting", metadata: ["error": "\(PostgresErrors.describe(error))"])
            }
            if listening.isSet {
                delay = .milliseconds(100)
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Passes notifications on until the connection ends.
    private func forward(tasks: PostgresNotificationSequence, cancels: PostgresNotificationSequence) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await _ in tasks {
                    self.broadcaster.publish([.tasksAvailable])
                }
            }
            group.addTask {
                for try await notification in cancels {
                    self.broadcaster.publish([.cancelRequested(taskID: notification.payload)])
                }
            }
            // Either sequence ending means the connection is gone.
            try await group.next()
            group.cancelAll()
        }
    }
}
