import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboSQL

@Suite("Store: idempotent submits")
struct IdempotencyTests {
    @Test("The same key and tasks add once; a retry gets the first submit's tasks", arguments: TestEngine.available)
    func replay(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let tasks = [task("one"), task("two", priority: 9)]
            let first = try await store.submit(tasks, by: "api", idempotencyKey: "key-1")
            #expect(!first.replayed)
            #expect(first.tasks.count == 2)
            let again = try await store.submit(tasks, by: "api", idempotencyKey: "key-1")
            #expect(again.replayed)
            #expect(again.tasks.map(\.taskID) == first.tasks.map(\.taskID))
            #expect(try await store.statusCounts(batchID: nil) == [.pending: 2])
            // Another key adds them again.
            #expect(try await store.submit(tasks, by: "api", idempotencyKey: "key-2").tasks.count == 2)
            #expect(try await store.statusCounts(batchID: nil) == [.pending: 4])
            // The audit trail has one created row per task added.
            #expect(try await actionNames(store, first.tasks[0].taskID) == ["created"])
        }
    }

    @Test("The same key with other tasks is refused and changes nothing", arguments: TestEngine.available)
    func conflict(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task("one")], by: nil, idempotencyKey: "k")
            var inWorktree = task("one")
            inWorktree.repo = "/srv/app"
            inWorktree.worktree = true
            var fromBase = inWorktree
            fromBase.base = "v2"
            var otherRepo = inWorktree
            otherRepo.repo = "/srv/other"
            for other in [
                [task("one!")], [task("one"), task("one")], [task("one", priority: 6)], [task("one", id: "named")],
                [inWorktree], [fromBase], [otherRepo],
            ] {
                do {
                    _ = try await store.submit(other, by: nil, idempotencyKey: "k")
                    Issue.record("a different body under the same key should be refused")
                } catch let error as StoreError {
                    #expect(error.code == .idempotencyConflict)
                    #expect(error.message.contains("'k' was used in the last 24 hours for other tasks"))
                }
            }
            #expect(try await store.statusCounts(batchID: nil) == [.pending: 1])
            // And the other way: a key first used for a worktree task refuses the same task on another base.
            _ = try await store.submit([inWorktree], by: nil, idempotencyKey: "w")
            #expect(try await store.submit([inWorktree], by: nil, idempotencyKey: "w").replayed)
            await #expect(throws: StoreError.self) { try await store.submit([fromBase], by: nil, idempotencyKey: "w") }
        }
    }

    @Test("Submits with one key from many connections at once add the tasks once", arguments: TestEngine.available)
    func concurrent(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, database in
            let results = try await withThrowingTaskGroup(of: SubmitResult.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let own = try await database.openStore()
                        let result = try await own.submit([task("race")], by: nil, idempotencyKey: "shared")
                        try await own.close()
                        return result
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.flatMap { $0.tasks.map(\.taskID) }).count == 1)
            #expect(results.filter { !$0.replayed }.count == 1)
            #expect(try await store.statusCounts(batchID: nil) == [.pending: 1])
        }
    }

    @Test("Keys expire: after the retention the same key adds again", arguments: TestEngine.available)
    func expiry(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task("old")], by: nil, idempotencyKey: "aged")
            // Age the key past the retention, as a day would.
            try await raw(store, "UPDATE agent_idempotency_keys SET created_at = $1", [.date(Date().addingTimeInterval(-2 * 86_400))])
            let again = try await store.submit([task("old")], by: nil, idempotencyKey: "aged")
            #expect(!again.replayed)
            #expect(try await store.statusCounts(batchID: nil) == [.pending: 2])
        }
    }

    @Test("A key must be printable ASCII of 1 to 255 characters", arguments: TestEngine.available)
    func badKeys(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            for key in ["", "has space", String(repeating: "k", count: 256), "naïve"] {
                do {
                    _ = try await store.submit([task("x")], by: nil, idempotencyKey: key)
                    Issue.record("the key '\(key)' should be refused")
                } catch is InputError {}
            }
            #expect(try await store.statusCounts(batchID: nil).isEmpty)
        }
    }
}
