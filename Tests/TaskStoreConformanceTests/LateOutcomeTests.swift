import AgentTurboCore
import AgentTurboSQL
import AgentTurboTestSupport
import Foundation
import Testing

/// Finishing in batches, a finish retried after its answer was lost, and an attempt's own outcome that comes
/// after the rescuer took its task back (issue: exactly once under pressure).
@Suite("Store: batched, repeated and late finishes")
struct LateOutcomeTests {
    @Test("One transaction finishes many attempts; a refused one does not hold up the others; output comes with the outcome", arguments: TestEngine.available)
    func batch(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit((1...3).map { task(id: "b\($0)") }, by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "w", limit: 3, leaseSeconds: 60))
            #expect(claimed.count == 3)
            let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.taskID, $0) })
            let stale = AttemptRef(taskID: "b3", workerID: "w", attempt: 7)
            let output = [OutputPiece(stream: .stdout, data: Data("last words\n".utf8), sequence: 4)]
            let results = try await store.finish(
                [
                    FinishRequest(attempt: byID["b1"]!.ref, outcome: .completed(AgentReport(result: "one")), output: output),
                    FinishRequest(attempt: stale, outcome: .completed(AgentReport(result: "stale")), output: output),
                    FinishRequest(attempt: byID["b2"]!.ref, outcome: .failed(AttemptFailure(kind: .agentError, message: "no"), AgentReport())),
                ],
                retryPolicy: immediateRetry
            )
            #expect(results.map { $0.task?.status } == [.completed, nil, .pending])
            guard case .refused(let error) = results[1] else {
                Issue.record("the stale attempt was not refused: \(results[1])")
                return
            }
            #expect(error.code == .leaseLost)
            #expect(try await store.existingTask("b3").status == .running)
            #expect(try await store.output(for: "b1", after: nil, limit: 10).map(\.sequence) == [4])
            // Output of an attempt whose outcome was refused is still kept, under its own attempt number.
            #expect(try await store.output(for: "b3", after: nil, limit: 10).map(\.attempt) == [7])
            #expect(try await actionNames(store, "b1") == ["created", "claimed", "completed"])
            #expect(try await actionNames(store, "b2") == ["created", "claimed", "retry_scheduled"])
        }
    }

    @Test("A finish whose answer was lost, tried again, is recognised and changes nothing", arguments: TestEngine.available)
    func alreadyRecorded(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "again"))
            let claimed = try await claimOne(store)
            let request = FinishRequest(attempt: claimed.ref, outcome: .requeued(reason: "shutdown"), isAgentsOwnOutcome: false)
            #expect(try await store.finish([request], retryPolicy: .standard)[0].task?.status == .pending)
            let second = try await store.finish([request], retryPolicy: .standard)[0]
            guard case .alreadyRecorded(let task) = second else {
                Issue.record("expected alreadyRecorded, got \(second)")
                return
            }
            #expect(task.status == .pending)
            #expect(try await actionNames(store, "again") == ["created", "claimed", "requeued"])
        }
    }

    @Test("The agent's own outcome is still recorded after a rescue, while no newer attempt was claimed", arguments: TestEngine.available)
    func lateOutcome(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "late"))
            let claimed = try await claimOne(store, worker: "slow")
            try await expireLeases(store, ["late"])
            #expect(try await store.rescueExpiredLeases(by: "r").map(\.taskID) == ["late"])
            #expect(try await store.existingTask("late").retryCount == 1)
            let result = try await store.finish(
                [FinishRequest(attempt: claimed.ref, outcome: .completed(AgentReport(result: "done after all", costUSD: 0.25)))],
                retryPolicy: .standard
            )[0]
            let task = try #require(result.task)
            #expect(task.status == .completed)
            #expect(task.result == "done after all")
            #expect(task.retryCount == 0, "the rescue's retry is given back")
            #expect(task.errorKind == nil)
            #expect(try await actionNames(store, "late") == ["created", "claimed", "rescued", "completed"])
            let attempts = try await store.attempts(for: "late")
            #expect(attempts.map(\.outcome) == ["completed"])
            #expect(try await store.claim(ClaimRequest(workerID: "other", limit: 1, leaseSeconds: 60)).isEmpty)
        }
    }

    @Test("A late outcome is refused when the worker stopped its agent, after a newer claim, or after an operator acted", arguments: TestEngine.available)
    func lateRefused(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([task(id: "stopped"), task(id: "operator", retries: 0)], by: nil)
            let claimed = try await store.claim(ClaimRequest(workerID: "slow", limit: 2, leaseSeconds: 60))
            let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.taskID, $0) })
            try await expireLeases(store, ["stopped", "operator"])
            #expect(try await store.rescueExpiredLeases(by: "r").count == 2)
            // Not the agent's own outcome (the worker stopped it): the rescue stands.
            let requeue = FinishRequest(attempt: byID["stopped"]!.ref, outcome: .requeued(reason: "fenced"), isAgentsOwnOutcome: false)
            guard case .refused = try await store.finish([requeue], retryPolicy: .standard)[0] else {
                Issue.record("a stopped agent's outcome replaced the rescue")
                return
            }
            // Rescued to failed (no retries), then put back by an operator: the late outcome must not undo that.
            #expect(try await store.existingTask("operator").status == .failed)
            _ = try await store.retry("operator", by: "me")
            let late = FinishRequest(attempt: byID["operator"]!.ref, outcome: .completed(AgentReport(result: "late")))
            guard case .refused = try await store.finish([late], retryPolicy: .standard)[0] else {
                Issue.record("a late outcome undid an operator's retry")
                return
            }
            #expect(try await store.existingTask("operator").status == .pending)
            #expect(try await actionNames(store, "stopped") == ["created", "claimed", "rescued"])
        }
    }

    @Test("The rescuer leaves a lease alone until its grace has passed", arguments: TestEngine.available)
    func rescueGrace(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "grace"))
            let claimed = try await claimOne(store)
            _ = try await store.renewLeases([claimed.ref], leaseSeconds: -1)
            #expect(try await store.rescueExpiredLeases(by: "r", graceSeconds: 3600).isEmpty)
            #expect(try await store.existingTask("grace").status == .running)
            #expect(try await store.rescueExpiredLeases(by: "r", graceSeconds: 0).map(\.taskID) == ["grace"])
        }
    }

    @Test("A row with a status this version does not know is an error that says so, not a pending task", arguments: TestEngine.available)
    func unknownStatus(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "odd"))
            let sql = try #require(store as? SQLTaskStore)
            // Written by hand, as an operator or a newer version might: the CHECK constraint is lifted first.
            let isSQLite = engine == .sqlite
            try await sql.database.write { connection in
                if isSQLite {
                    try await connection.execute("PRAGMA ignore_check_constraints = ON")
                } else {
                    try await connection.execute("ALTER TABLE agent_tasks DROP CONSTRAINT IF EXISTS agent_tasks_status_check")
                }
                try await connection.execute("UPDATE agent_tasks SET status = 'paused' WHERE task_id = 'odd'")
                if isSQLite {
                    try await connection.execute("PRAGMA ignore_check_constraints = OFF")
                }
            }
            let error = await #expect(throws: StoreError.self) { try await store.task("odd") }
            #expect(error?.code == .unreadableRow)
            #expect(error?.message.contains("paused") == true)
        }
    }
}
