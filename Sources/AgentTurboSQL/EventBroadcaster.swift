import AgentTurboCore
import Foundation
import Synchronization

/// Hands store hints to every subscriber in this process. For SQLite every store opened on the same file in
/// this process shares one broadcaster, so a task added by `run` or `serve` wakes the worker in the same
/// process at once; PostgreSQL feeds one from LISTEN.
public final class EventBroadcaster: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<StoreEvent>.Continuation]>([:])

    public init() {}

    public func subscribe() -> AsyncStream<StoreEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreEvent.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ events: [StoreEvent]) {
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations {
            for event in events {
                continuation.yield(event)
            }
        }
    }

    /// One broadcaster per database file path.
    public static func shared(for path: String) -> EventBroadcaster {
        registry.withLock { registry in
            if let existing = registry[path] {
                return existing
            }
            let created = EventBroadcaster()
            registry[path] = created
            return created
        }
    }

    private static let registry = Mutex<[String: EventBroadcaster]>([:])
}
