import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboSQL

/// The claim's query plan on SQLite, which has no statistics unless someone runs ANALYZE: a plan that sorts the
/// pending rows or walks the status index makes every claim cost as much as the backlog is long (37 ms at
/// 100,000 pending, measured in docs/benchmarks.md). Read from EXPLAIN QUERY PLAN, so no timing is involved.
@Suite("Store: the SQLite claim plan")
struct ClaimPlanTests {
    @Test("A claim walks the claim index in order: no sort, no status index")
    func claimUsesItsIndex() async throws {
        try await withTestStore(.sqlite) { store, _ in
            _ = try await store.submit((1...200).map { task("t\($0)", priority: $0 % 10) }, by: nil)
            let plan = try await queryPlan(store, ClaimRequest(workerID: "w", limit: 10, leaseSeconds: 60))
            #expect(plan.contains { $0.contains("USING INDEX agent_tasks_claim") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") || $0.contains("agent_tasks_status") }, "\(plan)")
        }
    }

    @Test("A claim for one batch starts from the batch index")
    func batchClaimUsesTheBatchIndex() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let plan = try await queryPlan(store, ClaimRequest(workerID: "w", limit: 10, leaseSeconds: 60, batchID: "b1"))
            #expect(plan.contains { $0.contains("agent_tasks_batch") }, "\(plan)")
            #expect(!plan.contains { $0.contains("agent_tasks_status") }, "\(plan)")
        }
    }

    private func queryPlan(_ store: any TaskStore, _ request: ClaimRequest) async throws -> [String] {
        let sqlStore = try #require(store as? SQLTaskStore)
        let statement = try #require(sqlStore.claimStatement(request))
        return try await sqlStore.database.read { connection in
            try await connection.query("EXPLAIN QUERY PLAN " + statement.sql, statement.binds).map { try $0.string("detail") }
        }
    }
}
