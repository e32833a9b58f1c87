import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: task worktrees")
struct WorkspaceTests {
    func worktreeTask(_ id: String, base: String? = nil) -> NewTask {
        NewTask(taskID: id, taskDescription: "edit", agent: "simulate", repo: "/srv/app", worktree: true, base: base)
    }

    @Test("repo, worktree and base are stored and read back; plain tasks have none", arguments: TestEngine.available)
    func submitted(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let added = try await store.submit([worktreeTask("wt-1", base: "v1.2"), task(id: "plain")], by: "test")
            #expect(added[0].repo == "/srv/app")
            #expect(added[0].worktree)
            #expect(added[0].base == "v1.2")
            #expect(added[0].workspace == nil)
            #expect(added[1].repo == nil)
            #expect(!added[1].worktree)
            #expect(try await store.existingTask("wt-1") == added[0])
        }
    }

    @Test("The branch is recorded while the attempt runs, only by its worker; the outcome records head and diff with it", arguments: TestEngine.available)
    func recorded(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(worktreeTask("wt-2"))
            let claimed = try await claimOne(store)
            let start = WorkspaceReport(branch: "agent-turbo/wt-2", baseCommit: "aaa")
            try await store.recordWorkspace(claimed.ref, start)
            #expect(try await store.existingTask("wt-2").workspace == start)
            let stranger = AttemptRef(taskID: "wt-2", workerID: "other", attempt: claimed.attempt)
            await #expect(throws: StoreError.self) {
                try await store.recordWorkspace(stranger, WorkspaceReport(branch: "hijacked"))
            }
            let end = WorkspaceReport(branch: "agent-turbo/wt-2", headCommit: "bbb", filesChanged: 3, linesAdded: 10, linesRemoved: 2)
            let results = try await store.finish(
                [FinishRequest(attempt: claimed.ref, outcome: .completed(AgentReport()), workspace: end)], retryPolicy: .standard
            )
            let done = try #require(results.first?.task)
            let expected = WorkspaceReport(branch: "agent-turbo/wt-2", baseCommit: "aaa", headCommit: "bbb", filesChanged: 3, linesAdded: 10, linesRemoved: 2)
            #expect(done.workspace == expected, "the base commit recorded at the start stays")
            #expect(try await store.existingTask("wt-2").workspace == expected)
            #expect(try await actionNames(store, "wt-2") == ["created", "claimed", "completed"])
        }
    }

    @Test("A refused or repeated finish leaves the workspace columns as they were", arguments: TestEngine.available)
    func refusedFinish(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(worktreeTask("wt-3"))
            let claimed = try await claimOne(store)
            let start = WorkspaceReport(branch: "agent-turbo/wt-3", baseCommit: "aaa")
            try await store.recordWorkspace(claimed.ref, start)
            let stranger = AttemptRef(taskID: "wt-3", workerID: "other", attempt: claimed.attempt)
            let refused = try await store.finish(
                [FinishRequest(attempt: stranger, outcome: .completed(AgentReport()), workspace: WorkspaceReport(branch: "x", headCommit: "zzz"))],
                retryPolicy: .standard
            )
            guard case .refused = refused[0] else {
                Issue.record("a finish by a worker that does not hold the attempt is refused")
                return
            }
            #expect(try await store.existingTask("wt-3").workspace == start)
            let end = WorkspaceReport(branch: "agent-turbo/wt-3", headCommit: "bbb", filesChanged: 1, linesAdded: 1, linesRemoved: 0)
            _ = try await store.finish([FinishRequest(attempt: claimed.ref, outcome: .completed(AgentReport()), workspace: end)], retryPolicy: .standard)
            let again = try await store.finish(
                [FinishRequest(attempt: claimed.ref, outcome: .completed(AgentReport()), workspace: WorkspaceReport(branch: "y", headCommit: "ccc"))],
                retryPolicy: .standard
            )
            guard case .alreadyRecorded = again[0] else {
                Issue.record("a finish repeated after its answer was lost is recognised")
                return
            }
            #expect(try await store.existingTask("wt-3").workspace?.headCommit == "bbb")
        }
    }

    @Test("Worktree counts and bytes from heartbeats: per worker, and summed over the hosts of live workers in stats", arguments: TestEngine.available)
    func usage(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            for id in ["a", "b", "c", "a2"] {
                let host = "h-\(id.prefix(1))"
                try await store.registerWorker(WorkerRegistration(workerID: id, hostname: host, pid: 1, concurrency: 1, version: "t"))
            }
            // A second worker on a's host sees the same worktrees: the host is counted once.
            try await store.heartbeat(WorkerHeartbeat(workerID: "a2", state: .running, runningTasks: 0, worktrees: WorktreeUsage(count: 2, bytes: 3_000_000_000)))
            try await store.heartbeat(WorkerHeartbeat(workerID: "a", state: .running, runningTasks: 1, worktrees: WorktreeUsage(count: 2, bytes: 3_000_000_000)))
            try await store.heartbeat(WorkerHeartbeat(workerID: "b", state: .draining, runningTasks: 0, worktrees: WorktreeUsage(count: 1, bytes: 500)))
            try await store.heartbeat(WorkerHeartbeat(workerID: "c", state: .stopped, runningTasks: 0, worktrees: WorktreeUsage(count: 9, bytes: 9)))
            // A heartbeat that measured nothing new keeps the last figures.
            try await store.heartbeat(WorkerHeartbeat(workerID: "a", state: .running, runningTasks: 1))
            let workers = Dictionary(uniqueKeysWithValues: try await store.workers().map { ($0.workerID, $0) })
            #expect(workers["a"]?.worktrees == 2)
            #expect(workers["a"]?.worktreeBytes == 3_000_000_000)
            let stats = try await store.stats()
            #expect(stats.worktrees == 3, "stopped workers' hosts are not counted")
            #expect(stats.worktreeBytes == 3_000_000_500)
        }
    }
}
