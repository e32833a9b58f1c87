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

    @Test("PostgreSQL down for 10 s while four agents print 5 MB each: they finish in their own time, each completed once on its first attempt, every byte stored in order")
    func outageWhileAgentsPrint() async throws {
        let server = try ThrowawayPostgres.start()
        defer { server.destroy() }
        let home = try PostgresHome(url: server.url)
        defer { home.directory.remove() }
        let store = try await home.store()
        // About a second of work each; a 6 s deadline that the 10 s outage would break if agents waited for it.
        try home.submitFile((1...4).map {
            #"{"task_id": "print\#($0)", "task_description": "sleep=1 final-output=5000000 n\#($0)", "agent": "simulate", "timeout_seconds": 6, "max_retries": 0}"#
        })
        let worker = try home.worker("printer", ["--concurrency", "4", "--poll-interval", "0.5s"])
        try await eventually("four agents started") { worker.agentGroups.count == 4 }
        try server.control("kill")
        try await Task.sleep(for: .seconds(10))
        try server.control("startagain")
        for id in (1...4).map({ "print\($0)" }) {
            let task = try await store.waitForStatus(id, [.completed, .failed, .pending], timeout: 300)
            #expect(task.status == .completed, "\(id): \(task.error ?? "")")
            #expect(try await store.actions(for: id).map(\.action.rawValue) == ["created", "claimed", "completed"])
            let chunks = try await store.output(for: id, after: nil, limit: 10_000)
            #expect(chunks.map(\.sequence) == chunks.map(\.sequence).sorted())
            let stdout = chunks.filter { $0.stream == .stdout }.reduce(into: Data()) { $0.append($1.data) }
            #expect(stdout.prefix(5_000_000).allSatisfy { $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "\n") })
            #expect(String(decoding: stdout.dropFirst(5_000_000), as: UTF8.self).contains("\"type\":\"result\""))
        }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        try await store.close()
    }

    @Test("Torture: workers killed with -9, PostgreSQL killed and started again, a CPU burner: every task completed once, none ran twice but after a kill")
    func torture() async throws {
        let server = try ThrowawayPostgres.start()
        defer { server.destroy() }
        let home = try PostgresHome(url: server.url)
        defer { home.directory.remove() }
        let store = try await home.store()
        let log = home.directory.file("runs.log")
        let prompts = TortureRun.prompts(count: 120, log: log)
        try home.submitFile(prompts.enumerated().map { #"{"task_id": "p\#($0.offset)", "task_description": "\#($0.element)", "agent": "simulate", "max_retries": 5}"# })
        var run = TortureRun(ids: prompts.indices.map { "p\($0)" }, log: log) { id in
            try home.worker(id, ["--concurrency", "4", "--lease", "10s", "--kill-grace", "1s", "--poll-interval", "0.5s"])
        }
        run.disrupt = { round in
            guard round == 2 else { return }
            try server.control("kill")
            try await Task.sleep(for: .seconds(3))
            try server.control("startagain")
        }
        try await run.run(store)
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
