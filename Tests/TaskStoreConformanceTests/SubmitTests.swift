import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: adding and reading tasks")
struct SubmitTests {
    @Test("A task keeps the seed's names and defaults and gets one created row", arguments: TestEngine.available)
    func defaults(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit(NewTask(taskDescription: "Calculate 5 + 7"))
            let stored = try await store.existingTask(added.taskID)
            #expect(stored.taskType == "general")
            #expect(stored.taskPriority == 5)
            #expect(stored.timeoutSeconds == 300)
            #expect(stored.maxRetries == 3)
            #expect(stored.retryCount == 0)
            #expect(stored.attempt == 0)
            #expect(stored.agent == "claude")
            #expect(stored.status == .pending)
            #expect(stored.cancelRequested == false)
            #expect(stored.assignedWorkerID == nil)
            #expect(stored.taskDescription == "Calculate 5 + 7")
            #expect(abs(stored.runAfter.timeIntervalSince(stored.createdAt)) < 1)
            #expect(try await actionNames(store, added.taskID) == ["created"])
        }
    }

    @Test("Every field given is stored as given", arguments: TestEngine.available)
    func allFields(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let runAfter = Date(timeIntervalSince1970: 1_900_000_000.123)
            let options = AgentOptions(
                model: "claude-sonnet-4-5", maxTurns: 3, allowedTools: ["Bash(git diff:*)", "Read"],
                disallowedTools: ["WebFetch"], permissionMode: "acceptEdits", systemPrompt: "Be brief.",
                appendSystemPrompt: "Answer in English."
            )
            let new = NewTask(
                taskID: "my_task_1", taskType: "analysis", taskDescription: "Analyze 'auth.py'; $(rm -rf /) \"quoted\"",
                taskPriority: 8, timeoutSeconds: 42, maxRetries: 1, agent: "codex", workingDir: "/srv/repo",
                agentOptions: options, runAfter: runAfter
            )
            let added = try await store.submit(new)
            let stored = try await store.existingTask("my_task_1")
            #expect(added == stored)
            #expect(stored.taskType == "analysis")
            #expect(stored.taskDescription == new.taskDescription)
            #expect(stored.taskPriority == 8)
            #expect(stored.timeoutSeconds == 42)
            #expect(stored.maxRetries == 1)
            #expect(stored.agent == "codex")
            #expect(stored.workingDir == "/srv/repo")
            #expect(stored.agentOptions == options)
            #expect(abs(stored.runAfter.timeIntervalSince(runAfter)) < 0.002)
        }
    }

    @Test("A batch is one transaction: a taken id adds nothing", arguments: TestEngine.available)
    func batchWithTakenID(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "taken"))
            var batch = (1...50).map { task("task \($0)") }
            batch.append(task(id: "taken"))
            let error = await #expect(throws: StoreError.self) { try await store.submit(batch, by: nil) }
            #expect(error?.code == .duplicateID)
            #expect(error?.message.contains("'taken'") == true)
            #expect(try await store.tasks(matching: TaskFilter(limit: 1000)).count == 1)
            #expect(try await store.actions(for: "taken").count == 1)
        }
    }

    @Test("A batch with an invalid task or a repeated id adds nothing", arguments: TestEngine.available)
    func batchWithInvalidTask(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ async throws in
            var batch = (1...10).map { task("task \($0)") }
            batch.insert(NewTask(taskDescription: "  "), at: 5)
            let error = await #expect(throws: InputError.self) { try await store.submit(batch, by: nil) }
            #expect(error?.message.contains("task 6") == true)
            let twice = [task(id: "same"), task(id: "same")]
            await #expect(throws: StoreError.self) { try await store.submit(twice, by: nil) }
            var bad = task()
            bad.timeoutSeconds = -1
            await #expect(throws: InputError.self) { try await store.submit(bad) }
            #expect(try await store.tasks(matching: TaskFilter()).isEmpty)
            #expect(try await store.stats().countsByStatus.values.reduce(0, +) == 0)
        }
    }

    @Test("A large batch lands whole, in order, with one created row each", arguments: TestEngine.available)
    func largeBatch(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let batch = (1...2000).map { task("task \($0)") }
            let added = try await store.submit(batch, by: "test")
            #expect(added.count == 2000)
            #expect(added.map(\.taskDescription) == batch.map(\.taskDescription))
            #expect(Set(added.map(\.taskID)).count == 2000)
            let stats = try await store.stats()
            #expect(stats.count(.pending) == 2000)
            #expect(stats.ready == 2000)
            for id in [added[0].taskID, added[1999].taskID] {
                #expect(try await actionNames(store, id) == ["created"])
            }
        }
    }

    @Test("Listing filters by status, type and agent and pages without gaps or repeats", arguments: TestEngine.available)
    func listing(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            var batch: [NewTask] = []
            for index in 1...25 {
                var new = task("task \(index)", agent: index % 2 == 0 ? "simulate" : "command")
                new.taskType = index % 5 == 0 ? "review" : "general"
                batch.append(new)
            }
            let added = try await store.submit(batch, by: nil)
            _ = try await store.cancel(added[0].taskID, reason: nil, by: nil)
            var seen: [String] = []
            var after: String?
            repeat {
                let page = try await store.tasks(matching: TaskFilter(limit: 7, after: after))
                seen += page.map(\.taskID)
                after = page.count == 7 ? page.last?.taskID : nil
            } while after != nil
            #expect(seen == added.map(\.taskID).reversed())
            #expect(try await store.tasks(matching: TaskFilter(statuses: [.cancelled])).map(\.taskID) == [added[0].taskID])
            #expect(try await store.tasks(matching: TaskFilter(taskTypes: ["review"])).count == 5)
            #expect(try await store.tasks(matching: TaskFilter(agents: ["simulate"])).count == 12)
            #expect(try await store.tasks(matching: TaskFilter(statuses: [.pending], agents: ["command"])).count == 12)
        }
    }

    @Test("The schema is created once and migrating again changes nothing", arguments: TestEngine.available)
    func schema(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let status = try await store.schemaStatus()
            #expect(status.isCurrent)
            #expect(status.current >= 1)
            #expect(try await store.migrate().isEmpty)
        }
    }
}
