import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("PostgreSQL: worktree tasks across workers", .serialized)
struct PostgresWorktreeTests {
    @Test("Two workers share a repository's worktree tasks on PostgreSQL: each task's branch carries its edit; a task for a repository no host has fails at once",
          .enabled(if: TestEnvironment.postgresURL != nil))
    func twoHosts() async throws {
        let database = try await TestDatabase.create(.postgres)
        defer { Task { await database.destroy() } }
        guard case .postgres(let url) = database.location else { return }
        let home = try PostgresHome(url: url.connectionString)
        defer { home.directory.remove() }
        let repo = try GitFixture()
        defer { repo.remove() }
        _ = try await database.openStore()
        var lines = (1...8).map { #"{"task_id": "pg-wt-\#($0)", "task_description": "write=notes.txt", "agent": "simulate", "repo": "\#(repo.path)", "worktree": true}"# }
        lines.append(#"{"task_id": "pg-wt-missing", "task_description": "x", "agent": "simulate", "repo": "/nowhere/app", "worktree": true, "max_retries": 3}"#)
        try home.submitFile(lines)
        // Each "host" keeps its worktrees in a folder of its own, as on separate machines.
        var workers: [WorkerProcess] = []
        for host in ["host-1", "host-2"] {
            let config = home.directory.file("\(host).json")
            try #"{"worktrees": {"root": "\#(home.directory.file(host))"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
            workers.append(try WorkerProcess(home.cli, ["worker", "--worker-id", host, "--config", config, "--concurrency", "4", "--poll-interval", "0.5s"]))
        }
        let store = try await home.store()
        try await eventually("every task finished", timeout: 300, every: .milliseconds(500)) {
            let counts = try await store.statusCounts(batchID: nil)
            return counts[.completed] == 8 && counts[.failed] == 1
        }
        for worker in workers {
            worker.signal(SIGTERM)
        }
        for worker in workers {
            #expect(try await worker.wait() == 0)
        }
        for index in 1...8 {
            let task = try await store.existingTask("pg-wt-\(index)")
            #expect(task.workspace?.branch == "agent-turbo/pg-wt-\(index)")
            #expect(task.workspace?.filesChanged == 1)
            #expect(repo.file("notes.txt", at: "agent-turbo/pg-wt-\(index)")?.contains("pg-wt-\(index) attempt 1") == true)
        }
        let missing = try await store.existingTask("pg-wt-missing")
        #expect(missing.errorKind == .invalidTask)
        #expect(missing.attempt == 1, "no retry")
        #expect(missing.error?.contains("/nowhere/app does not exist on") == true, "\(missing.error ?? "")")
        #expect(try repo.mainState().status.isEmpty)
        try await store.close()
    }
}
