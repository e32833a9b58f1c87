import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboSQL

@Suite("Store: lists, pages, previews and search")
struct ListTests {
    /// 30 tasks over three profiles, two types and several states, added one at a time (so newest first is
    /// the reverse of `ids`).
    private func fill(_ store: any TaskStore) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<30 {
            let agent = ["simulate", "codex", "command"][index % 3]
            var new = task("prompt \(index)", id: String(format: "k%02d", index), agent: agent)
            new.taskType = index % 2 == 0 ? "review" : "general"
            _ = try await store.submit(new)
            ids.append(new.taskID!)
        }
        let claimed = try await store.claim(ClaimRequest(workerID: "w9", limit: 6, leaseSeconds: 60))
        for task in claimed.prefix(3) {
            try await store.finish(task.ref, .completed(AgentReport()), retryPolicy: immediateRetry)
        }
        _ = try await store.cancel("k29", reason: nil, by: "test")
        return ids
    }

    @Test("Every filter and combination pages through exactly the matching tasks, newest first", arguments: TestEngine.available)
    func filtersAndPaging(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let ids = try await fill(store)
            let all = try await store.tasks(matching: TaskFilter(limit: 1000))
            #expect(all.map(\.taskID) == ids.reversed())
            let filters: [TaskFilter] = [
                TaskFilter(),
                TaskFilter(statuses: [.pending]),
                TaskFilter(statuses: [.completed, .running, .cancelled]),
                TaskFilter(taskTypes: ["review"]),
                TaskFilter(agents: ["codex", "command"]),
                TaskFilter(statuses: [.pending, .cancelled], agents: ["simulate", "command"]),
                TaskFilter(taskTypes: ["general"], agents: ["codex"]),
                TaskFilter(workerID: "w9"),
                TaskFilter(statuses: [.completed], workerID: "w9"),
            ]
            for var filter in filters {
                let expected = all.filter { task in
                    (filter.statuses.isEmpty || filter.statuses.contains(task.status))
                        && (filter.taskTypes.isEmpty || filter.taskTypes.contains(task.taskType))
                        && (filter.agents.isEmpty || filter.agents.contains(task.agent))
                        && (filter.workerID == nil || task.assignedWorkerID == filter.workerID)
                }.map(\.taskID)
                // Pages of 4, following next_after, give every matching task once, in order.
                filter.limit = 4
                var seen: [String] = []
                var pages = 0
                repeat {
                    let page = try await store.taskPage(matching: filter)
                    seen += page.tasks.map(\.task.taskID)
                    #expect(page.tasks.count <= 4)
                    filter.after = page.nextAfter
                    pages += 1
                } while filter.after != nil && pages < 20
                #expect(seen == expected, "\(filter)")
                // The last page is never empty unless nothing matches.
                #expect(pages == max(1, (expected.count + 3) / 4), "\(filter)")
            }
        }
    }

    @Test("Lists carry a preview of the prompt and the result with their sizes; the detail has them whole", arguments: TestEngine.available)
    func previews(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let prompt = String(repeating: "é", count: 150_000) + " the end"
            _ = try await store.submit(task(prompt, id: "big"))
            _ = try await store.submit(task("short", id: "small"))
            let page = try await store.taskPage(matching: TaskFilter())
            let big = try #require(page.tasks.first { $0.task.taskID == "big" })
            #expect(big.task.taskDescription == String(repeating: "é", count: TaskSummary.previewCharacters))
            #expect(big.taskDescriptionBytes == prompt.utf8.count)
            #expect(big.taskDescriptionTruncated)
            let small = try #require(page.tasks.first { $0.task.taskID == "small" })
            #expect(small.task.taskDescription == "short")
            #expect(small.taskDescriptionBytes == 5)
            #expect(!small.taskDescriptionTruncated)
            #expect(small.resultBytes == nil)
            #expect(try await store.existingTask("big").taskDescription == prompt)
        }
    }

    @Test("Search finds ids, prompt text and errors, case-insensitively, with LIKE's wildcards taken literally", arguments: TestEngine.available)
    func search(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit([
                task("Fix the FLAKY test in auth", id: "s1"), task("Write docs", id: "s2"),
                task("100% coverage_now", id: "s3"), task("other", id: "flaky-4"),
            ], by: nil)
            let claimed = try await claimOne(store)
            try await store.finish(claimed.ref, .failed(AttemptFailure(kind: .invalidCredentials, message: "Token Expired"), AgentReport()), retryPolicy: immediateRetry)
            func ids(_ text: String, _ filter: TaskFilter = TaskFilter()) async throws -> [String] {
                var filter = filter
                filter.search = text
                return try await store.taskPage(matching: filter).tasks.map(\.task.taskID)
            }
            #expect(try await ids("flaky") == ["flaky-4", "s1"])
            #expect(try await ids("s2") == ["s2"])
            #expect(try await ids("token expired") == [claimed.taskID])
            #expect(try await ids("0% c") == ["s3"])
            #expect(try await ids("%") == ["s3"])
            #expect(try await ids("e_d").isEmpty)
            #expect(try await ids("flaky", TaskFilter(statuses: [.pending])).count == (claimed.taskID == "s1" ? 1 : 2))
            #expect(try await ids("nothing like it").isEmpty)
        }
    }

    @Test("A search page looks at a bounded window of tasks and says where to go on", arguments: TestEngine.available)
    func searchWindow(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task("the needle", id: "needle"))
            // More tasks than one search window, added after the needle by plain SQL.
            let count = TaskFilter.searchWindow + 10
            try await raw(
                store,
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count))
                INSERT INTO agent_tasks (task_id, task_description, agent, created_at, run_after)
                SELECT 'hay' || CAST(i AS TEXT), 'hay', 'simulate', \(now(store)), \(now(store)) FROM n
                """
            )
            var filter = TaskFilter(limit: 10)
            filter.search = "needle"
            let first = try await store.taskPage(matching: filter)
            #expect(first.tasks.isEmpty)
            let next = try #require(first.nextAfter)
            filter.after = next
            let second = try await store.taskPage(matching: filter)
            #expect(second.tasks.map(\.task.taskID) == ["needle"])
            #expect(second.nextAfter == nil)
        }
    }

    @Test("after must name a task", arguments: TestEngine.available)
    func unknownCursor(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            do {
                _ = try await store.taskPage(matching: TaskFilter(after: "missing"))
                Issue.record("an unknown cursor should be refused")
            } catch let error as StoreError {
                #expect(error.code == .notFound)
                #expect(error.message.contains("'missing' does not exist"))
            }
        }
    }

    @Test("On SQLite each filter is read from its index in list order, never sorted")
    func sqlitePlans() async throws {
        try await withTestStore(.sqlite) { store, _ in
            _ = try await fill(store)
            let sqlStore = try #require(store as? SQLTaskStore)
            let cases: [(TaskFilter, String)] = [
                (TaskFilter(), "agent_tasks_created"),
                (TaskFilter(statuses: [.pending]), "agent_tasks_list_status"),
                (TaskFilter(taskTypes: ["review"]), "agent_tasks_list_type"),
                (TaskFilter(agents: ["codex"]), "agent_tasks_list_agent"),
                (TaskFilter(workerID: "w9"), "agent_tasks_list_worker"),
                (TaskFilter(batchID: "b"), "agent_tasks_list_batch"),
                (TaskFilter(statuses: [.pending], agents: ["codex"], after: "k10"), "agent_tasks_list_status"),
            ]
            for (filter, index) in cases {
                var query = TaskListQuery(filter: filter, dialect: sqlStore.database.dialect)
                let sql = query.sql(select: "task_id, created_at", limit: 50)
                let binds = query.binds
                let plan = try await sqlStore.database.read { connection in
                    try await connection.query("EXPLAIN QUERY PLAN " + sql, binds).map { try $0.string("detail") }
                }
                #expect(plan.contains { $0.contains(index) }, "\(filter): \(plan)")
                #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(filter): \(plan)")
            }
        }
    }
}
