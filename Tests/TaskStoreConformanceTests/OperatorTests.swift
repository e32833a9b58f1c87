import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboSQL

@Suite("Store: cancel, retry, prune, stats")
struct OperatorTests {
    @Test("Cancelling a pending task ends it at once", arguments: TestEngine.available)
    func cancelPending(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "p"))
            let result = try await store.cancel("p", reason: "not needed", by: "cli")
            guard case .cancelled(let cancelled) = result else {
                Issue.record("expected cancelled, got \(result)")
                return
            }
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.completedAt != nil)
            #expect(try await store.claim(ClaimRequest(workerID: "w", limit: 1, leaseSeconds: 60)).isEmpty)
            #expect(try await actionNames(store, "p") == ["created", "cancelled"])
            guard case .alreadyFinished = try await store.cancel("p", reason: nil, by: nil) else {
                Issue.record("a second cancel should change nothing")
                return
            }
            #expect(try await store.actions(for: "p").count == 2)
        }
    }

    @Test("Cancelling a running task flags it; its worker records cancelled", arguments: TestEngine.available)
    func cancelRunning(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "r"))
            let claimed = try await claimOne(store)
            guard case .requested(let flagged) = try await store.cancel("r", reason: nil, by: "cli") else {
                Issue.record("expected a cancel request")
                return
            }
            #expect(flagged.status == .running)
            #expect(flagged.cancelRequested)
            guard case .requested = try await store.cancel("r", reason: nil, by: "cli") else {
                Issue.record("a repeated request should report the pending request")
                return
            }
            let done = try await store.finish(claimed.ref, .cancelled(AgentReport(exitCode: -15)), retryPolicy: .standard)
            #expect(done.status == .cancelled)
            #expect(done.errorKind == .cancelled)
            #expect(try await actionNames(store, "r") == ["created", "claimed", "cancel_requested", "cancelled"])
        }
    }

    @Test("A task asked to cancel is never put back in the queue", arguments: TestEngine.available)
    func cancelBeatsRetry(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "f"), task(id: "q"), task(id: "x")], by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 3, leaseSeconds: 60))
            for id in ["f", "q", "x"] {
                _ = try await store.cancel(id, reason: nil, by: nil)
            }
            let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.taskID, $0.ref) })
            let failed = try await store.finish(byID["f"]!, .failed(AttemptFailure(kind: .transient, message: "529"), AgentReport()), retryPolicy: immediateRetry)
            let requeued = try await store.finish(byID["q"]!, .requeued(reason: "shutdown"), retryPolicy: immediateRetry)
            try await expireLeases(store, ["x"])
            _ = try await store.rescueExpiredLeases(by: "r")
            #expect(failed.status == .cancelled)
            #expect(requeued.status == .cancelled)
            #expect(try await store.existingTask("x").status == .cancelled)
        }
    }

    @Test("Retry puts failed and cancelled tasks back, nothing else", arguments: TestEngine.available)
    func retry(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "bad", retries: 0), task(id: "waiting")], by: nil)
            let claimed = try await claimOne(store)
            try await store.finish(claimed.ref, .failed(AttemptFailure(kind: .agentError, message: "boom"), AgentReport()), retryPolicy: .standard)
            let retried = try await store.retry("bad", by: "cli")
            #expect(retried.status == .pending)
            #expect(retried.retryCount == 0)
            #expect(retried.completedAt == nil)
            let error = await #expect(throws: StoreError.self) { try await store.retry("waiting", by: nil) }
            #expect(error?.code == .invalidState)
            let missing = await #expect(throws: StoreError.self) { try await store.retry("nope", by: nil) }
            #expect(missing?.code == .notFound)
            #expect(try await actionNames(store, "bad") == ["created", "claimed", "failed", "retried"])
            #expect(try await claimOne(store).attempt == 2)
        }
    }

    @Test("Prune deletes old finished tasks with their rows, nothing else", arguments: TestEngine.available)
    func prune(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "done"), task(id: "waiting", priority: 0)], by: nil)
            let claimed = try await claimOne(store)
            try await store.appendOutput(OutputAppend(taskID: "done", attempt: 1, pieces: [OutputPiece(stream: .stdout, data: Data("hi".utf8), sequence: 1)]))
            try await store.finish(claimed.ref, .completed(AgentReport()), retryPolicy: .standard)
            #expect(try await store.prune(finishedBefore: Date().addingTimeInterval(-3600)) == PruneResult(tasks: 0, actions: 0, outputChunks: 0))
            let result = try await store.prune(finishedBefore: Date().addingTimeInterval(60))
            #expect(result == PruneResult(tasks: 1, actions: 3, outputChunks: 1))
            #expect(try await store.task("done") == nil)
            #expect(try await store.actions(for: "done").isEmpty)
            #expect(try await store.attempts(for: "done").isEmpty)
            #expect(try await store.output(for: "done", after: nil, limit: 10).isEmpty)
            #expect(try await store.task("waiting") != nil)
        }
    }

    @Test("Prune never deletes a task that retry put back while it ran", arguments: TestEngine.available)
    func pruneRacesRetry(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let ids = (1...200).map { "race\($0)" }
            _ = try await store.submit(ids.map { task(id: $0, retries: 0) }, by: nil)
            for claimed in try await store.claim(ClaimRequest(workerID: "w", limit: 200, leaseSeconds: 60)) {
                try await store.finish(claimed.ref, .failed(AttemptFailure(kind: .invalidTask, message: "bad"), AgentReport()), retryPolicy: .standard)
            }
            let sqlStore = try #require(store as? SQLTaskStore)
            async let pruned = sqlStore.prune(finishedBefore: Date().addingTimeInterval(60), batchSize: 5)
            async let retried: [String] = {
                var retried: [String] = []
                for id in ids.shuffled() where (try? await store.retry(id, by: "operator")) != nil {
                    retried.append(id)
                }
                return retried
            }()
            let (prunedCount, putBack) = try await (pruned.tasks, retried)
            for id in putBack {
                #expect(try await store.task(id)?.status == .pending, "task \(id) was retried, then deleted by prune")
            }
            let left = try await store.tasks(matching: TaskFilter(limit: 1000))
            #expect(prunedCount + left.count == ids.count)
            #expect(Set(left.map(\.taskID)) == Set(putBack))
        }
    }

    @Test("Prune goes on in steps until nothing old is left, and counts every row it deleted", arguments: TestEngine.available)
    func pruneInSteps(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit((1...5).map { task(id: "old\($0)") } + [task(id: "pending", priority: 0)], by: nil)
            for _ in 1...5 {
                let claimed = try await claimOne(store)
                try await store.finish(claimed.ref, .completed(AgentReport()), retryPolicy: .standard)
            }
            let sqlStore = try #require(store as? SQLTaskStore)
            // Steps of two: 2 + 2 + 1 tasks, each with created, claimed and completed rows.
            let result = try await sqlStore.prune(finishedBefore: Date().addingTimeInterval(60), batchSize: 2)
            #expect(result == PruneResult(tasks: 5, actions: 15, outputChunks: 0))
            #expect(try await store.tasks(matching: TaskFilter(limit: 100)).map(\.taskID) == ["pending"])
            #expect(try await store.actions(for: "old3").isEmpty)
        }
    }

    @Test("Stats count states, throughput, cost and per-profile percentiles", arguments: TestEngine.available)
    func stats(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit((1...5).map { task("t\($0)") } + [task("later", runAfter: Date().addingTimeInterval(600))], by: nil)
            for index in 1...3 {
                let claimed = try await claimOne(store)
                let report = AgentReport(costUSD: 0.25, inputTokens: 10, outputTokens: 5, peakMemoryBytes: index * 100, cpuUserSec: Double(index), cpuSystemSec: 0)
                try await store.finish(claimed.ref, index == 3 ? .failed(AttemptFailure(kind: .invalidCredentials, message: "401"), report) : .completed(report), retryPolicy: .standard)
            }
            _ = try await claimOne(store)
            let stats = try await store.stats()
            #expect(stats.count(.completed) == 2)
            #expect(stats.count(.failed) == 1)
            #expect(stats.count(.running) == 1)
            #expect(stats.count(.pending) == 2)
            #expect(stats.ready == 1)
            #expect(stats.delayed == 1)
            #expect(stats.completedLastMinute == 2)
            #expect(stats.completedLastHour == 2)
            #expect(stats.failedLastHour == 1)
            #expect(abs(stats.totalCostUSD - 0.75) < 1e-9)
            #expect(stats.totalInputTokens == 30)
            let simulate = try #require(stats.agents.first { $0.agent == "simulate" })
            #expect(simulate.attempts == 3)
            #expect(simulate.completed == 2)
            #expect(simulate.failed == 1)
            #expect(simulate.peakMemoryBytes?.median == 200)
            #expect(simulate.peakMemoryBytes?.p95 == 300)
            #expect(simulate.cpuSec?.median == 2)
            // Every claim recorded when its task became ready: four attempts, waits that are not negative.
            let wait = try #require(stats.queueWait)
            #expect(wait.samples == 4)
            #expect(wait.median >= 0 && wait.p95 >= wait.median)
        }
    }

    @Test("Queue wait counts from when a task became ready: created_at, or a run_after that came later", arguments: TestEngine.available)
    func queueWaitFromReady(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            // Ready an hour before it was added: the wait starts when it was added, not an hour ago.
            _ = try await store.submit(task("early", runAfter: Date().addingTimeInterval(-3600)))
            _ = try await claimOne(store)
            let wait = try #require(try await store.stats().queueWait)
            #expect(wait.samples == 1)
            #expect(wait.median < 1800)
        }
    }
}
