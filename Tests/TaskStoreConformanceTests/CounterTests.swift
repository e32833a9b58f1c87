import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboSQL

/// The counters that stats and metrics read (schema 4) are kept by triggers in the transaction of every change:
/// after any mix of transitions, by agent-turbo or by plain SQL, they equal what counting the rows says.
@Suite("Store: counters kept by triggers")
struct CounterTests {
    @Test("Counts by state and totals per profile equal the rows after every kind of change", arguments: TestEngine.available)
    func countersFollowEveryChange(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await expectCountersMatchRows(store, "empty")
            _ = try await store.submit((1...12).map { task("t\($0)", id: "t\($0)", retries: 1) }, by: nil)
            _ = try await store.submit(task("codex one", id: "c1", agent: "codex"))
            try await expectCountersMatchRows(store, "after submit")

            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 8, leaseSeconds: 60))
            try await expectCountersMatchRows(store, "after a claim of 8")
            let report = AgentReport(costUSD: 0.125, inputTokens: 7, outputTokens: 3)
            try await store.finish(claimed[0].ref, .completed(report), retryPolicy: immediateRetry)
            try await store.finish(claimed[1].ref, .failed(AttemptFailure(kind: .invalidCredentials, message: "401"), report), retryPolicy: immediateRetry)
            try await store.finish(claimed[2].ref, .failed(AttemptFailure(kind: .agentError, message: "boom"), report), retryPolicy: immediateRetry)
            try await store.finish(claimed[3].ref, .rateLimited(retryAt: Date().addingTimeInterval(60), message: "limit", report), retryPolicy: immediateRetry)
            try await store.finish(claimed[4].ref, .requeued(reason: "shutdown"), retryPolicy: immediateRetry)
            _ = try await store.cancel(claimed[5].taskID, reason: nil, by: "test")
            try await store.finish(claimed[5].ref, .cancelled(report), retryPolicy: immediateRetry)
            try await expectCountersMatchRows(store, "after finishes")

            _ = try await store.cancel("t12", reason: nil, by: "test")
            _ = try await store.retry(claimed[1].taskID, by: "test")
            try await expectCountersMatchRows(store, "after cancel and retry")
            try await expireLeases(store, [claimed[6].taskID, claimed[7].taskID])
            _ = try await store.rescueExpiredLeases(by: "r")
            try await expectCountersMatchRows(store, "after rescue")

            // Plain SQL, as an operator might write it: the triggers count it too.
            try await raw(store, "UPDATE agent_tasks SET status = 'failed', completed_at = \(now(store)) WHERE task_id = 'c1'")
            try await raw(store, "DELETE FROM agent_tasks WHERE task_id = 't11'")
            try await raw(store, "UPDATE agent_attempts SET cost_usd = 2.5, outcome = 'completed' WHERE task_id = '\(claimed[2].taskID)'")
            try await expectCountersMatchRows(store, "after plain SQL")

            _ = try await store.prune(finishedBefore: Date().addingTimeInterval(3600))
            try await expectCountersMatchRows(store, "after prune")
        }
    }

    @Test("Finished attempts land in the minute they finished, for the charts of the last hour and day", arguments: TestEngine.available)
    func activity(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit((1...4).map { task("a\($0)", id: "a\($0)", retries: 1) }, by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 4, leaseSeconds: 60))
            let report = AgentReport(costUSD: 0.5)
            try await store.finish(claimed[0].ref, .completed(report), retryPolicy: immediateRetry)
            try await store.finish(claimed[1].ref, .completed(report), retryPolicy: immediateRetry)
            try await store.finish(claimed[2].ref, .failed(AttemptFailure(kind: .agentError, message: "x"), report), retryPolicy: immediateRetry)
            try await store.finish(claimed[3].ref, .failed(AttemptFailure(kind: .invalidCredentials, message: "401"), report), retryPolicy: immediateRetry)
            let stats = try await store.stats()
            #expect(stats.activityLastHour.count == 60)
            #expect(stats.activityLastDay.count == 96)
            let hour = stats.activityLastHour
            #expect(hour.reduce(0) { $0 + $1.completed } == 2)
            #expect(hour.reduce(0) { $0 + $1.failed } == 1)
            #expect(hour.reduce(0) { $0 + $1.retried } == 1)
            #expect(abs(hour.reduce(0) { $0 + $1.costUSD } - 2.0) < 1e-9)
            #expect(stats.activityLastDay.reduce(0) { $0 + $1.completed } == 2)
            #expect(stats.completedLastHour == 2)
            #expect(stats.failedLastHour == 1)
            // Oldest first, one minute apart, the current minute last.
            #expect(zip(hour, hour.dropFirst()).allSatisfy { $1.start.timeIntervalSince($0.start) == 60 })
            #expect(try #require(hour.last).start <= Date())
            // Pruning old tasks leaves the activity of their day alone.
            _ = try await store.prune(finishedBefore: Date().addingTimeInterval(3600))
            #expect(try await store.stats().activityLastHour.reduce(0) { $0 + $1.completed } == 2)
        }
    }

    /// Compares what stats reports with counting the rows directly.
    private func expectCountersMatchRows(_ store: any TaskStore, _ when: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let sqlStore = try #require(store as? SQLTaskStore)
        let (counts, totals) = try await sqlStore.database.read { connection in
            var counts: [String: Int] = [:]
            for row in try await connection.query("SELECT status, COUNT(*) AS n FROM agent_tasks GROUP BY status") {
                counts[try row.string("status")] = try row.int("n")
            }
            var totals: [String: [Double]] = [:]
            for row in try await connection.query(
                """
                SELECT agent, COUNT(*) AS attempts, SUM(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END) AS completed,
                    SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed, COALESCE(SUM(cost_usd), 0) AS cost,
                    CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens,
                    CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens
                FROM agent_attempts WHERE finished_at IS NOT NULL GROUP BY agent
                """
            ) {
                totals[try row.string("agent")] = ["attempts", "completed", "failed", "cost", "input_tokens", "output_tokens"]
                    .map { row.optionalDouble($0) ?? 0 }
            }
            return (counts, totals)
        }
        let stats = try await store.stats()
        #expect(stats.countsByStatus == counts, "counts \(when)", sourceLocation: sourceLocation)
        #expect(try await store.statusCounts(batchID: nil) == Dictionary(uniqueKeysWithValues: counts.map { (TaskStatus(rawValue: $0.key)!, $0.value) }), "statusCounts \(when)", sourceLocation: sourceLocation)
        let reported = Dictionary(uniqueKeysWithValues: stats.agents.map { agent in
            (agent.agent, [Double(agent.attempts), Double(agent.completed), Double(agent.failed), agent.costUSD])
        })
        #expect(reported == totals.mapValues { Array($0.prefix(4)) }, "totals per profile \(when)", sourceLocation: sourceLocation)
        #expect(abs(stats.totalCostUSD - totals.values.reduce(0) { $0 + $1[3] }) < 1e-9, "total cost \(when)", sourceLocation: sourceLocation)
        #expect(stats.totalInputTokens == Int(totals.values.reduce(0) { $0 + $1[4] }), "input tokens \(when)", sourceLocation: sourceLocation)
        #expect(stats.totalOutputTokens == Int(totals.values.reduce(0) { $0 + $1[5] }), "output tokens \(when)", sourceLocation: sourceLocation)
    }
}

/// Runs a statement as a plain client would, on the store's own database.
func raw(_ store: any TaskStore, _ sql: String, _ binds: [SQLValue] = []) async throws {
    let sqlStore = try #require(store as? SQLTaskStore)
    try await sqlStore.database.write { connection in
        try await connection.execute(sql, binds)
    }
}

/// The current time in the store's SQL.
func now(_ store: any TaskStore) -> String {
    (store as? SQLTaskStore)?.database.dialect.now ?? "CURRENT_TIMESTAMP"
}
