import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: leases and rescue")
struct RescueTests {
    @Test("Expired leases are taken back and count as an attempt", arguments: TestEngine.available)
    func rescue(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "keeps"), task(id: "expires"), task(id: "last", retries: 0)], by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "dead-worker", limit: 3, leaseSeconds: 60))
            #expect(claimed.count == 3)
            try await expireLeases(store, ["expires", "last"])
            let rescued = try await store.rescueExpiredLeases(by: "rescuer-1")
            #expect(Set(rescued.map(\.taskID)) == ["expires", "last"])
            #expect(rescued.allSatisfy { $0.previousWorkerID == "dead-worker" })
            let expired = try await store.existingTask("expires")
            #expect(expired.status == .pending)
            #expect(expired.retryCount == 1)
            #expect(expired.errorKind == .leaseExpired)
            #expect(expired.leaseExpiresAt == nil)
            let last = try await store.existingTask("last")
            #expect(last.status == .failed)
            #expect(last.completedAt != nil)
            #expect(try await store.existingTask("keeps").status == .running)
            #expect(try await actionNames(store, "expires") == ["created", "claimed", "rescued"])
            let action = try #require(try await store.actions(for: "expires").last)
            #expect(action.workerID == "rescuer-1")
            #expect(action.details?.contains("dead-worker") == true)
            #expect(try await store.attempts(for: "expires").map(\.outcome) == ["rescued"])
            #expect(try await store.rescueExpiredLeases(by: "rescuer-1").isEmpty)
        }
    }

    @Test("A short real lease expires by itself", arguments: TestEngine.available)
    func realExpiry(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "short"))
            _ = try await claimOne(store, lease: 0.2)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await store.rescueExpiredLeases(by: "r").map(\.taskID) == ["short"])
        }
    }

    @Test("Renewing extends leases and reports cancel requests", arguments: TestEngine.available)
    func renewal(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "a"), task(id: "b")], by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 2, leaseSeconds: 0.5))
            let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.taskID, $0) })
            _ = try await store.cancel("b", reason: "changed my mind", by: "test")
            let renewal = try await store.renewLeases(claimed.map(\.ref), leaseSeconds: 600)
            #expect(Set(renewal.renewed) == Set(claimed.map(\.ref)))
            #expect(renewal.cancelRequested == [byID["b"]!.ref])
            #expect(renewal.lost.isEmpty)
            let lease = try #require(try await store.existingTask("a").leaseExpiresAt)
            #expect(lease.timeIntervalSinceNow > 500)
            #expect(try await store.rescueExpiredLeases(by: "r").isEmpty)
        }
    }

    @Test("Only one holder of a leadership lease at a time", arguments: TestEngine.available)
    func leadership(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            #expect(try await store.acquireLeadership("rescuer", holder: "a", leaseSeconds: 60))
            #expect(try await store.acquireLeadership("rescuer", holder: "b", leaseSeconds: 60) == false)
            #expect(try await store.acquireLeadership("rescuer", holder: "a", leaseSeconds: 60))
            #expect(try await store.acquireLeadership("other-role", holder: "b", leaseSeconds: 60))
            // A lease that ran out passes to the next holder.
            #expect(try await store.acquireLeadership("short", holder: "a", leaseSeconds: 0.2))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await store.acquireLeadership("short", holder: "b", leaseSeconds: 60))
            #expect(try await store.acquireLeadership("short", holder: "a", leaseSeconds: 60) == false)
        }
    }

    @Test("Workers register, beat, and are marked dead when silent", arguments: TestEngine.available)
    func workers(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await store.registerWorker(WorkerRegistration(workerID: "host-a:100", hostname: "host-a", pid: 100, concurrency: 8, version: "test"))
            try await store.registerWorker(WorkerRegistration(workerID: "host-b:200", hostname: "host-b", pid: 200, concurrency: 2, version: "test"))
            try await store.heartbeat(WorkerHeartbeat(workerID: "host-a:100", state: .running, runningTasks: 3, holdReason: "free memory 1 GiB below the floor of 2 GiB"))
            let workers = try await store.workers()
            #expect(Set(workers.map(\.workerID)) == ["host-a:100", "host-b:200"])
            let a = try #require(workers.first { $0.workerID == "host-a:100" })
            #expect(a.runningTasks == 3)
            #expect(a.concurrency == 8)
            #expect(a.hostname == "host-a")
            #expect(a.holdReason?.contains("2 GiB") == true)
            #expect(try await store.markSilentWorkersDead(silentSeconds: 3600).isEmpty)
            try await store.heartbeat(WorkerHeartbeat(workerID: "host-b:200", state: .stopped, runningTasks: 0))
            #expect(try await store.markSilentWorkersDead(silentSeconds: -1) == ["host-a:100"])
            let after = try await store.workers()
            #expect(after.first { $0.workerID == "host-a:100" }?.state == .dead)
            #expect(after.first { $0.workerID == "host-b:200" }?.state == .stopped)
            #expect(after.first { $0.workerID == "host-b:200" }?.stoppedAt != nil)
            #expect(try await store.stats().liveWorkers == 0)
        }
    }
}
