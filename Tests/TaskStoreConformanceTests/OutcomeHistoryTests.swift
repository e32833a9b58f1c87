import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: outcomes kept per attempt, rate limits that end")
struct OutcomeHistoryTests {
    @Test("The audit trail keeps a cost to the last digit", arguments: TestEngine.available)
    func costPrecision(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task())
            let claimed = try await claimOne(store)
            try await store.finish(claimed.ref, .completed(AgentReport(costUSD: 0.00054321)), retryPolicy: .standard)
            let completed = try #require(try await store.actions(for: added.taskID).last)
            guard case .object(let details) = JSONValue(parsing: completed.details ?? "") else {
                Issue.record("details are not an object: \(completed.details ?? "nil")")
                return
            }
            #expect(details["cost_usd"] == .number(0.00054321))
            #expect(try await store.attempts(for: added.taskID).first?.costUSD == 0.00054321)
        }
    }

    @Test("After retry the last attempt's outcome is on its attempt row; the task shows none until the next ends", arguments: TestEngine.available)
    func retryMovesTheOutcome(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task(retries: 0))
            let claimed = try await claimOne(store)
            var progress = AgentProgress()
            progress.turns = 2
            try await store.recordProgress(claimed.ref, progress)
            let report = AgentReport(
                result: "half done", exitCode: 3, sessionID: "sess-1", costUSD: 0.25, inputTokens: 1000, outputTokens: 50,
                numTurns: 2, peakMemoryBytes: 1 << 20, cpuUserSec: 0.5, cpuSystemSec: 0.1
            )
            let failed = try await store.finish(
                claimed.ref, .failed(AttemptFailure(kind: .agentError, message: "exit 3"), report), retryPolicy: .standard
            )
            #expect(failed.status == .failed)
            #expect(failed.result == "half done")

            let retried = try await store.retry(added.taskID, by: "cli")
            #expect(retried.status == .pending)
            for (name, value) in [
                ("result", retried.result), ("error", retried.error), ("error_kind", retried.errorKind?.rawValue),
                ("session_id", retried.sessionID), ("progress", retried.progress),
            ] as [(String, String?)] {
                #expect(value == nil, "\(name) still shows \(value ?? "")")
            }
            #expect(retried.exitCode == nil)
            #expect(retried.costUSD == nil)
            #expect(retried.inputTokens == nil)
            #expect(retried.outputTokens == nil)
            #expect(retried.numTurns == nil)
            #expect(retried.durationSec == nil)
            #expect(retried.startedAt == nil)
            #expect(retried.peakMemoryBytes == nil)
            #expect(retried.cpuUserSec == nil)
            #expect(try await store.existingTask(added.taskID) == retried)

            let attempt = try #require(try await store.attempts(for: added.taskID).first)
            #expect(attempt.outcome == "failed")
            #expect(attempt.error == "exit 3")
            #expect(attempt.errorKind == .agentError)
            #expect(attempt.result == "half done")
            #expect(attempt.exitCode == 3)
            #expect(attempt.sessionID == "sess-1")
            #expect(attempt.costUSD == 0.25)
            #expect(attempt.inputTokens == 1000)
            #expect(attempt.outputTokens == 50)
            #expect(attempt.numTurns == 2)

            let again = try await claimOne(store)
            try await store.finish(again.ref, .completed(AgentReport(result: "done", costUSD: 0.1)), retryPolicy: .standard)
            let attempts = try await store.attempts(for: added.taskID)
            #expect(attempts.map(\.result) == ["half done", "done"])
            #expect(try await store.existingTask(added.taskID).result == "done")
        }
    }

    @Test("Rate limits add up; the one that would pass --max-rate-limit-wait fails the task", arguments: TestEngine.available)
    func rateLimitsEnd(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task(retries: 0, agent: "claude"))
            let policy = RetryPolicy(maximumRateLimitWaitSeconds: 2.5)
            var limited: [Double] = []
            var last: AgentTask?
            for _ in 1...5 {
                var claimed: AgentTask?
                // The hold and run_after let the task be claimed again once its short wait is over.
                try await eventually("the rate-limited task can be claimed again", timeout: 30, every: .milliseconds(50)) {
                    claimed = try await store.claim(ClaimRequest(workerID: "w1", limit: 1, leaseSeconds: 60)).first
                    return claimed != nil
                }
                let ref = try #require(claimed).ref
                let after = try await store.finish(
                    ref, .rateLimited(retryAt: Date().addingTimeInterval(0.5), message: "rate limited: 429", AgentReport()),
                    retryPolicy: policy
                )
                last = after
                guard after.status == .pending else { break }
                limited.append(after.rateLimitedSec)
            }
            let final = try #require(last)
            #expect(limited == [1, 2], "a reset 0.5 s away counts the shortest wait, 1 s; a third would pass 2.5 s")
            #expect(final.status == .failed)
            #expect(final.errorKind == .rateLimited)
            #expect(final.retryCount == 0)
            #expect(final.error?.contains("rate limited past --max-rate-limit-wait") == true, "\(final.error ?? "")")
            #expect(final.error?.contains("in total") == true)
            #expect(try await actionNames(store, added.taskID) == [
                "created", "claimed", "rate_limited", "claimed", "rate_limited", "claimed", "failed",
            ])
            #expect(try await store.attempts(for: added.taskID).map(\.outcome) == ["rate_limited", "rate_limited", "failed"])

            let retried = try await store.retry(added.taskID, by: "cli")
            #expect(retried.rateLimitedSec == 0, "retry gives the task a fresh rate-limit budget")
        }
    }

    @Test("A limit that resets later than the cap allows fails the task at once", arguments: TestEngine.available)
    func resetBeyondTheCap(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(task(agent: "claude"))
            let claimed = try await claimOne(store)
            let reset = Date().addingTimeInterval(3 * 86400)
            let after = try await store.finish(
                claimed.ref, .rateLimited(retryAt: reset, message: "You've hit your weekly limit", AgentReport()),
                retryPolicy: RetryPolicy(maximumRateLimitWaitSeconds: 6 * 3600)
            )
            #expect(after.status == .failed)
            #expect(after.errorKind == .rateLimited)
            #expect(after.rateLimitedSec == 0)
            #expect(after.error?.contains("no wait so far") == true, "\(after.error ?? "")")
            #expect(after.error?.contains("You've hit your weekly limit") == true)
            #expect(try await store.activeHolds().map(\.agent) == ["claude"], "the profile is still held until the reset")
            #expect(try await actionNames(store, added.taskID) == ["created", "claimed", "failed"])
        }
    }
}
