import Synchronization

/// A first-come, first-served lock for async code, with a lane for the urgent: in-process writers queue here
/// instead of spinning in SQLite's busy handler (which is left for writers in other processes), and lease
/// renewals go ahead of every writer still waiting. Waiting is not cancellable: a writer that asked for the
/// lock gets it and runs.
actor AsyncLock {
    private var held = false
    private var urgentWaiters: [CheckedContinuation<Void, Never>] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock(urgent: Bool = false) async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { continuation in
            if urgent {
                urgentWaiters.append(continuation)
            } else {
                waiters.append(continuation)
            }
        }
    }

    func unlock() {
        if !urgentWaiters.isEmpty {
            urgentWaiters.removeFirst().resume()
        } else if !waiters.isEmpty {
            waiters.removeFirst().resume()
        } else {
            held = false
        }
    }

    func withLock<T: Sendable>(urgent: Bool = false, _ body: @Sendable () async throws -> T) async rethrows -> T {
        await lock(urgent: urgent)
        do {
            let value = try await body()
            unlock()
            return value
        } catch {
            unlock()
            throw error
        }
    }
}

/// A fixed set of resources handed out one caller at a time, waiting callers served in order.
actor ResourcePool<Resource: Sendable & AnyObject> {
    private var available: [Resource]
    private var waiters: [CheckedContinuation<Resource, Never>] = []
    private let members: Mutex<[Resource]>

    init(_ resources: [Resource]) {
        available = resources
        members = Mutex(resources)
    }

    /// Every resource of the pool, handed out or not.
    nonisolated var all: [Resource] { members.withLock { $0 } }

    func take() async -> Resource {
        if let resource = available.popLast() {
            return resource
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Gives back `replacement` in place of a resource taken earlier (one that could not be used again).
    func replace(_ resource: Resource, with replacement: Resource) {
        members.withLock { members in
            members.removeAll { $0 === resource }
            members.append(replacement)
        }
        give(replacement)
    }

    func give(_ resource: Resource) {
        if waiters.isEmpty {
            available.append(resource)
        } else {
            waiters.removeFirst().resume(returning: resource)
        }
    }
}
