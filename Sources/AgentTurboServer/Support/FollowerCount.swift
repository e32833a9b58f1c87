import Synchronization

/// How many followed logs are open right now: shown in `/metrics`, and shows that a stream ends when its
/// client goes away.
final class FollowerCount: Sendable {
    private let count = Mutex(0)

    func increment() {
        count.withLock { $0 += 1 }
    }

    func decrement() {
        count.withLock { $0 -= 1 }
    }

    var value: Int { count.withLock { $0 } }
}
