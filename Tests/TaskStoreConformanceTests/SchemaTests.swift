import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboSQL

@Suite("Store: schema versions")
struct SchemaTests {
    @Test("A database missing a version below its highest (a development build that numbered them otherwise) is behind, and migrate fills the gap", arguments: TestEngine.available)
    func gap(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let sqlStore = try #require(store as? SQLTaskStore)
            let latest = sqlStore.latestSchemaVersion
            #expect(latest >= 6)
            // Undo migration 5 (the worktree columns) and forget it, keeping 6 above it.
            let columns = [
                ("agent_tasks", ["repo", "worktree", "base", "branch", "base_commit", "head_commit", "files_changed", "lines_added", "lines_removed"]),
                ("agent_workers", ["worktrees", "worktree_bytes"]),
            ]
            for (table, names) in columns {
                for name in names {
                    try await raw(store, "ALTER TABLE \(table) DROP COLUMN \(name)")
                }
            }
            try await raw(store, "DELETE FROM agent_turbo_schema WHERE version = 5")

            let behind = try await store.schemaStatus()
            #expect(behind.current == 4)
            #expect(!behind.isCurrent)
            do {
                try await sqlStore.requireCurrentSchema()
                Issue.record("a schema with a gap should not count as current")
            } catch let error as StoreError {
                #expect(error.code == .schemaBehind)
                #expect(error.message.contains("run `agent-turbo migrate`"))
            }

            #expect(try await store.migrate() == [5])
            #expect(try await store.schemaStatus().current == latest)
            try await sqlStore.requireCurrentSchema()
            // The columns are back: a worktree task can be added and read.
            var inWorktree = task("fix it")
            inWorktree.repo = "/srv/app"
            inWorktree.worktree = true
            let added = try await store.submit([inWorktree], by: nil)
            #expect(try await store.existingTask(added[0].taskID).repo == "/srv/app")
        }
    }
}

@Suite("Store: worker heartbeats")
struct HeartbeatReportTests {
    @Test("Spooled bytes from heartbeats show per worker and, each host once, in stats", arguments: TestEngine.available)
    func spoolBytes(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            for (id, host) in [("a1", "host-a"), ("a2", "host-a"), ("b1", "host-b")] {
                try await store.registerWorker(WorkerRegistration(workerID: id, hostname: host, pid: 1, concurrency: 4, version: "test"))
            }
            // Two workers of host-a share its run directory and report the same spools; host-b has its own.
            try await store.heartbeat(WorkerHeartbeat(workerID: "a1", state: .running, runningTasks: 1, spoolBytes: 1_000))
            try await store.heartbeat(WorkerHeartbeat(workerID: "a2", state: .running, runningTasks: 1, spoolBytes: 1_000))
            try await store.heartbeat(WorkerHeartbeat(workerID: "b1", state: .running, runningTasks: 1, spoolBytes: 300))
            let workers = Dictionary(uniqueKeysWithValues: try await store.workers().map { ($0.workerID, $0.spoolBytes) })
            #expect(workers == ["a1": 1_000, "a2": 1_000, "b1": 300])
            #expect(try await store.stats().spoolBytes == 1_300)
            // A heartbeat that measured nothing keeps the last figure; a stopped worker's host no longer counts.
            try await store.heartbeat(WorkerHeartbeat(workerID: "b1", state: .running, runningTasks: 0))
            #expect(try await store.workers().first { $0.workerID == "b1" }?.spoolBytes == 300)
            try await store.heartbeat(WorkerHeartbeat(workerID: "b1", state: .stopped, runningTasks: 0))
            #expect(try await store.stats().spoolBytes == 1_000)
        }
    }
}
