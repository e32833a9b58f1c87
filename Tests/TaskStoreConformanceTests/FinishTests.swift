import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: finishing attempts")
struct FinishTests {
    @Test("Completion stores the agent's figures and writes completed", arguments: TestEngine.available)
    func completion(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task())
            let claimed = try await claimOne(store)
            let report = AgentReport(
                result: "12", exitCode: 0, sessionID: "sess-1", costUSD: 0.0123, inputTokens: 100, outputTokens: 20,
                numTurns: 2, peakMemoryBytes: 210_000_000, cpuUserSec: 1.5, cpuSystemSec: 0.25
            )
            let done = try await store.finish(claimed.ref, .completed(report), retryPolicy: .standard)
            #expect(done.status == .completed)
            #expect(done.result == "12")
            #expect(done.exitCode == 0)
            #expect(done.sessionID == "sess-1")
            #expect(done.costUSD == 0.0123)
            #expect(done.inputTokens == 100)
            #expect(done.outputTokens == 20)
            #expect(done.numTurns == 2)
            #expect(done.peakMemoryBytes == 210_000_000)
            #expect(done.cpuUserSec == 1.5)
            #expect(done.cpuSystemSec == 0.25)
            #expect(done.leaseExpiresAt == nil)
            #expect(done.completedAt != nil)
            #expect((done.durationSec ?? -1) >= 0)
            #expect(try await store.existingTask(added.taskID) == done)
            #expect(try await actionNames(store, added.taskID) == ["created", "claimed", "completed"])
            let attempt = try #require(try await store.attempts(for: added.taskID).first)
            #expect(attempt.outcome == "completed")
            #expect(attempt.costUSD == 0.0123)
            #expect(attempt.peakMemoryBytes == 210_000_000)
            #expect(attempt.finishedAt != nil)
        }
    }

    @Test("max_retries = 3 means four attempts, then failed", arguments: TestEngine.available)
    func retriesUntilExhausted(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task(retries: 3))
            let failure = AttemptFailure(kind: .agentError, message: "exit 1")
            for attempt in 1...4 {
                let claimed = try await claimOne(store)
                #expect(claimed.attempt == attempt)
                let after = try await store.finish(claimed.ref, .failed(failure, AgentReport(exitCode: 1)), retryPolicy: immediateRetry)
                #expect(after.status == (attempt < 4 ? .pending : .failed))
                #expect(after.retryCount == min(attempt, 3))
            }
            #expect(try await store.claim(ClaimRequest(workerID: "w1", limit: 1, leaseSeconds: 60)).isEmpty)
            let final = try await store.existingTask(added.taskID)
            #expect(final.errorKind == .agentError)
            #expect(final.error == "exit 1")
            #expect(final.exitCode == 1)
            #expect(try await actionNames(store, added.taskID) == [
                "created", "claimed", "retry_scheduled", "claimed", "retry_scheduled", "claimed", "retry_scheduled",
                "claimed", "failed",
            ])
            #expect(try await store.attempts(for: added.taskID).map(\.outcome) == [
                "retry_scheduled", "retry_scheduled", "retry_scheduled", "failed",
            ])
        }
    }

    @Test("Backoff puts run_after where the policy says", arguments: TestEngine.available)
    func backoff(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let policy = RetryPolicy(baseSeconds: 100, multiplier: 3, maximumSeconds: 1000, jitter: 0)
            let added = try await store.submit(task(retries: 5))
            var claimed = try await claimOne(store)
            var after = try await store.finish(claimed.ref, .failed(AttemptFailure(kind: .transient, message: "529"), AgentReport()), retryPolicy: policy)
            #expect(abs(after.runAfter.timeIntervalSince(after.updatedAt) - 100) < 0.01)
            // Second retry: 300 s. Make it claimable by retrying through a zero-delay finish on a fresh attempt.
            _ = try await store.cancel(added.taskID, reason: nil, by: nil)
            _ = try await store.retry(added.taskID, by: nil)
            claimed = try await claimOne(store)
            after = try await store.finish(claimed.ref, .failed(AttemptFailure(kind: .transient, message: "529"), AgentReport()), retryPolicy: policy)
            #expect(abs(after.runAfter.timeIntervalSince(after.updatedAt) - 100) < 0.01, "retry resets the count")
            let jittered = RetryPolicy(baseSeconds: 100, multiplier: 2, maximumSeconds: 1000, jitter: 0.5)
            for retry in 1...6 {
                let delay = jittered.delay(forRetry: retry)
                let ceiling = min(1000, 100 * pow(2, Double(retry - 1)))
                #expect(delay >= ceiling / 2 && delay <= ceiling)
            }
            let details = JSONValue(parsing: try await store.actions(for: added.taskID).last?.details ?? "")
            guard case .object(let fields) = details else {
                Issue.record("details should be a JSON object: \(details)")
                return
            }
            #expect(fields["retry"] == .number(1))
            #expect(fields["backoff_sec"] == .number(100))
            #expect(fields["error_kind"] == .string("transient"))
        }
    }

    @Test("A permanent failure fails at once", arguments: TestEngine.available)
    func permanentFailure(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task(retries: 3))
            let claimed = try await claimOne(store)
            let after = try await store.finish(
                claimed.ref, .failed(AttemptFailure(kind: .invalidCredentials, message: "401"), AgentReport()),
                retryPolicy: immediateRetry
            )
            #expect(after.status == .failed)
            #expect(after.retryCount == 0)
            #expect(after.errorKind == .invalidCredentials)
            #expect(try await actionNames(store, added.taskID) == ["created", "claimed", "failed"])
        }
    }

    @Test("A rate limit reschedules without spending a retry and holds the profile", arguments: TestEngine.available)
    func rateLimit(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit([task(id: "limited", agent: "claude"), task(id: "other", agent: "claude")], by: nil)
            let claimed = try await claimOne(store)
            #expect(claimed.taskID == added[0].taskID)
            let reset = Date().addingTimeInterval(1800)
            let after = try await store.finish(claimed.ref, .rateLimited(retryAt: reset, message: "usage limit", AgentReport()), retryPolicy: .standard)
            #expect(after.status == .pending)
            #expect(after.retryCount == 0)
            #expect(after.errorKind == .rateLimited)
            #expect(abs(after.runAfter.timeIntervalSince(reset)) < 1)
            let holds = try await store.activeHolds()
            #expect(holds.map(\.agent) == ["claude"])
            #expect(abs((holds.first?.until ?? .distantPast).timeIntervalSince(reset)) < 0.01)
            #expect(try await store.claim(ClaimRequest(workerID: "w2", limit: 5, leaseSeconds: 60)).isEmpty)
            #expect(try await actionNames(store, "limited") == ["created", "claimed", "rate_limited"])
        }
    }

    @Test("A late worker's outcome is refused once the task was taken back", arguments: TestEngine.available)
    func leaseGuard(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task())
            let first = try await claimOne(store, worker: "old")
            try await expireLeases(store, [added.taskID])
            #expect(try await store.rescueExpiredLeases(by: "rescuer").map(\.taskID) == [added.taskID])
            let second = try await claimOne(store, worker: "new")
            #expect(second.attempt == 2)
            let error = await #expect(throws: StoreError.self) {
                try await store.finish(first.ref, .completed(AgentReport(result: "stale")), retryPolicy: .standard)
            }
            #expect(error?.code == .leaseLost)
            var late = AgentProgress()
            late.turns = 9
            await #expect(throws: StoreError.self) { try await store.recordProgress(first.ref, late) }
            let renewal = try await store.renewLeases([first.ref, second.ref], leaseSeconds: 60)
            #expect(renewal.lost == [first.ref])
            #expect(renewal.renewed == [second.ref])
            let current = try await store.existingTask(added.taskID)
            #expect(current.status == .running)
            #expect(current.assignedWorkerID == "new")
            #expect(current.result == nil)
            #expect(current.numTurns == nil)
            try await store.finish(second.ref, .completed(AgentReport(result: "fresh")), retryPolicy: .standard)
            #expect(try await store.existingTask(added.taskID).result == "fresh")
            // Finishing the same attempt again (a retry whose first answer was lost) changes nothing.
            let again = try await store.finish([FinishRequest(attempt: second.ref, outcome: .completed(AgentReport(result: "twice")))], retryPolicy: .standard)
            guard case .alreadyRecorded(let recorded) = again[0] else {
                Issue.record("expected alreadyRecorded, got \(again[0])")
                return
            }
            #expect(recorded.result == "fresh")
            #expect(try await actionNames(store, added.taskID) == ["created", "claimed", "rescued", "claimed", "completed"])
        }
    }

    @Test("Progress updates the running row", arguments: TestEngine.available)
    func progress(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task())
            let claimed = try await claimOne(store)
            var progress = AgentProgress()
            progress.sessionID = "s"
            progress.turns = 3
            progress.toolUses = 2
            progress.lastTool = "Bash: npm test"
            progress.inputTokens = 300
            progress.outputTokens = 30
            progress.costUSDEstimate = 0.5
            try await store.recordProgress(claimed.ref, progress)
            let row = try await store.existingTask(claimed.taskID)
            #expect(row.numTurns == 3)
            #expect(row.costUSD == 0.5)
            #expect(row.sessionID == "s")
            #expect(row.inputTokens == 300)
            let stored = try JSONDecoder().decode(AgentProgress.self, from: Data((row.progress ?? "{}").utf8))
            #expect(stored == progress)
            #expect(try await store.actions(for: claimed.taskID).count == 2, "progress is not a state change")
        }
    }

    @Test("A requeue puts the task back without spending a retry", arguments: TestEngine.available)
    func requeue(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task())
            let claimed = try await claimOne(store)
            let after = try await store.finish(claimed.ref, .requeued(reason: "worker shutting down"), retryPolicy: .standard)
            #expect(after.status == .pending)
            #expect(after.retryCount == 0)
            #expect(after.assignedWorkerID == "w1")
            #expect(try await claimOne(store, worker: "w2").attempt == 2)
            #expect(try await actionNames(store, added.taskID) == ["created", "claimed", "requeued", "claimed"])
        }
    }
}
