import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: claiming")
struct ClaimTests {
    @Test("Higher priority first, then oldest", arguments: TestEngine.available)
    func order(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "a5", priority: 5))
            _ = try await store.submit(task(id: "b9", priority: 9))
            _ = try await store.submit(task(id: "c5", priority: 5))
            _ = try await store.submit(task(id: "d1", priority: 1))
            _ = try await store.submit(task(id: "e9", priority: 9))
            _ = try await store.submit([task(id: "f-1", priority: -1), task(id: "g5", priority: 5)], by: nil)
            var order: [String] = []
            while let next = try await store.claim(ClaimRequest(workerID: "w", limit: 1, leaseSeconds: 60)).first {
                order.append(next.taskID)
            }
            #expect(order == ["b9", "e9", "a5", "c5", "g5", "d1", "f-1"])
        }
    }

    @Test("A batch claim returns the best tasks and respects the limit", arguments: TestEngine.available)
    func batchClaim(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit((0..<10).map { task("t\($0)", priority: $0) }, by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 4, leaseSeconds: 60))
            #expect(claimed.map(\.taskPriority) == [9, 8, 7, 6])
            #expect(Set(claimed.map(\.taskID)) == Set(added.suffix(4).map(\.taskID)))
            #expect(try await store.stats().count(.running) == 4)
        }
    }

    @Test("Tasks wait for run_after", arguments: TestEngine.available)
    func runAfter(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "later", priority: 9, runAfter: Date().addingTimeInterval(3600)))
            _ = try await store.submit(task(id: "past", priority: 1, runAfter: Date().addingTimeInterval(-3600)))
            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 10, leaseSeconds: 60))
            #expect(claimed.map(\.taskID) == ["past"])
            let stats = try await store.stats()
            #expect(stats.ready == 0)
            #expect(stats.delayed == 1)
        }
    }

    @Test("A claim leases the task, counts the attempt and writes claimed", arguments: TestEngine.available)
    func claimRecords(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task())
            let claimed = try await claimOne(store, worker: "host-a:1", lease: 60)
            #expect(claimed.taskID == added.taskID)
            #expect(claimed.status == .running)
            #expect(claimed.attempt == 1)
            #expect(claimed.assignedWorkerID == "host-a:1")
            let lease = try #require(claimed.leaseExpiresAt)
            let started = try #require(claimed.startedAt)
            #expect(abs(lease.timeIntervalSince(started) - 60) < 1)
            #expect(try await actionNames(store, added.taskID) == ["created", "claimed"])
            let attempts = try await store.attempts(for: added.taskID)
            #expect(attempts.count == 1)
            #expect(attempts.first?.outcome == "running")
            #expect(attempts.first?.workerID == "host-a:1")
            #expect(try await store.claim(ClaimRequest(workerID: "other", limit: 5, leaseSeconds: 60)).isEmpty)
        }
    }

    @Test("Claims honour the agent filter and held-back profiles", arguments: TestEngine.available)
    func agentsAndHolds(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "c1", agent: "claude"), task(id: "s1", agent: "simulate")], by: nil)
            let onlySimulate = try await store.claim(
                ClaimRequest(workerID: "w", limit: 5, leaseSeconds: 60, agents: ["simulate"])
            )
            #expect(onlySimulate.map(\.taskID) == ["s1"])
            try await store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(3600), reason: "usage limit"))
            #expect(try await store.activeHolds().map(\.agent) == ["claude"])
            #expect(try await store.claim(ClaimRequest(workerID: "w", limit: 5, leaseSeconds: 60)).isEmpty)
            try await store.hold(AgentHold(agent: "codex", until: Date().addingTimeInterval(-1), reason: "expired"))
            #expect(try await store.activeHolds().map(\.agent) == ["claude"])
            let excluded = try await store.claim(ClaimRequest(workerID: "w", limit: 5, leaseSeconds: 60, excludedAgents: ["claude"]))
            #expect(excluded.isEmpty)
        }
    }

    @Test("Concurrent claimers on separate connections get every task exactly once", arguments: TestEngine.available)
    func concurrentClaimers(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, database in
            let total = 3000
            _ = try await store.submit((0..<total).map { task("task \($0)", priority: $0 % 3) }, by: nil)
            let claimers = 6
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<claimers {
                    group.addTask {
                        let own = try await database.openStore()
                        var mine: [String] = []
                        while true {
                            let batch = try await own.claim(ClaimRequest(workerID: "w\(index)", limit: 7, leaseSeconds: 60))
                            if batch.isEmpty { break }
                            for claimed in batch {
                                try await own.finish(claimed.ref, .completed(AgentReport(result: "ok")), retryPolicy: .standard)
                            }
                            mine += batch.map(\.taskID)
                        }
                        try await own.close()
                        return mine
                    }
                }
                var all: [[String]] = []
                for try await ids in group {
                    all.append(ids)
                }
                return all
            }
            let flat = claimed.flatMap { $0 }
            #expect(flat.count == total)
            #expect(Set(flat).count == total)
            #expect(claimed.filter { !$0.isEmpty }.count > 1, "the work should spread over several claimers")
            let stats = try await store.stats()
            #expect(stats.count(.completed) == total)
            let sample = try await store.tasks(matching: TaskFilter(limit: 100))
            #expect(sample.allSatisfy { $0.attempt == 1 })
            for task in sample.prefix(10) {
                #expect(try await actionNames(store, task.taskID) == ["created", "claimed", "completed"])
            }
        }
    }
}
