import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("PostgreSQL: losing the database", .serialized, .enabled(if: ThrowawayPostgres.isAvailable))
struct PostgresOutageTests {
    /// Each task completed exactly once and every one of them completed.
    func expectExactlyOnce(_ store: any TaskStore, _ count: Int) async throws {
        let tasks = try await store.tasks(matching: TaskFilter(limit: 10_000))
        #expect(tasks.count == count)
        for task in tasks {
            #expect(task.status == .completed, "\(task.taskID) is \(task.status)")
            let completions = try await store.actions(for: task.taskID).filter { $0.action == .completed }.count
            #expect(completions == 1, "\(task.taskID) completed \(completions) times")
        }
    }

    @Test("PostgreSQL crashing and starting again mid-run loses and duplicates nothing")
    func restartMidRun() async throws {
        let server = try ThrowawayPostgres.start()
        defer { server.destroy() }
        let home = try PostgresHome(url: server.url)
        defer { home.directory.remove() }
        let store = try await home.store()
        let log = home.directory.file("done.log")
        try home.submitFile((1...60).map { #"{"task_description": "sleep=0.5 write=\#(log) n\#($0)", "agent": "simulate"}"# })
        let workers = try (1...2).map { try home.worker("w\($0)", ["--concurrency", "4", "--lease", "30s", "--poll-interval", "0.5s"]) }
        try await eventually("some tasks completed before the crash") {
            try await store.statusCounts(batchID: nil)[.completed] ?? 0 >= 10
        }
        try server.control("kill")
        try await Task.sleep(for: .seconds(3))
        try server.control("startagain")
        try await eventually("all tasks completed after the restart", timeout: 300, every: .milliseconds(500)) {
            (try? await store.statusCounts(batchID: nil)[.completed]) == 60
        }
        for worker in workers {
            worker.signal(SIGTERM)
        }
        for worker in workers {
            #expect(try await worker.wait() == 0)
        }
        try await expectExactlyOnce(store, 60)
        let runs = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(Set(runs.map { $0.split(separator: " ")[0] }).count == 60)
        try await store.close()
    }

    @Test("With a primary and a streaming standby, the workers carry on after the standby is promoted")
    func failover() async throws {
        let primary = try ThrowawayPostgres.start()
        defer { primary.destroy() }
        let standby = try primary.startStandby()
        defer { standby.destroy() }
        // Commits wait for the standby, so a failover loses nothing that was acknowledged.
        try primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        try primary.psql("SELECT pg_reload_conf()")
        let both = "postgres://agent_turbo:agent_turbo@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/agent_turbo_test"
        let home = try PostgresHome(url: both)
        defer { home.directory.remove() }
        let store = try await home.store()
        try home.submitFile((1...40).map { #"{"task_description": "sleep=0.5 n\#($0)", "agent": "simulate"}"# })
        let workers = try (1...2).map { try home.worker("w\($0)", ["--concurrency", "3", "--lease", "30s", "--poll-interval", "0.5s"]) }
        try await eventually("some tasks completed on the primary") {
            try await store.statusCounts(batchID: nil)[.completed] ?? 0 >= 8
        }
        try primary.control("kill")
        try standby.control("promote")
        try await eventually("all tasks completed on the new primary", timeout: 300, every: .milliseconds(500)) {
            (try? await store.statusCounts(batchID: nil)[.completed]) == 40
        }
        for worker in workers {
            worker.signal(SIGTERM)
        }
        for worker in workers {
            #expect(try await worker.wait() == 0)
        }
        #expect(try standby.psql("SELECT pg_is_in_recovery()") == "f\n")
        try await expectExactlyOnce(store, 40)
        let notices = workers.map(\.logText).joined()
        #expect(notices.contains("moved to the new PostgreSQL primary"))
        try await store.close()
    }
}
