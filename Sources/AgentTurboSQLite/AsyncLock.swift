/// A first-come, first-served lock for async code: in-process writers queue here instead of spinning in
/// SQLite's busy handler, which is left for writers in other processes.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await lock()
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
actor ResourcePool<Resource: Sendable> {
    private var available: [Resource]
    private var waiters: [CheckedContinuation<Resource, Never>] = []
    nonisolated let all: [Resource]

    init(_ resources: [Resource]) {
        available = resources
        all = resources
    }

    func take() async -> Resource {
        if let resource = available.popLast() {
            return resource
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func give(_ resource: Resource) {
        if waiters.isEmpty {
            available.append(resource)
        } else {
            waiters.removeFirst().resume(returning: resource)
        }
    }
}
