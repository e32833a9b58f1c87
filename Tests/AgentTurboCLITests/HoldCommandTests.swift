import AgentTurboCore
import AgentTurboSQLite
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("CLI: holds in every view, and hold clear")
struct HoldCommandTests {
    @Test("workers --json, stats --json and show list a hold; hold clear ends it with an audit row")
    func holdsEverywhere() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let id = try #require(try cli.run(["submit", "fix it", "--agent", "claude"]).lines.first)
        let store: any TaskStore = try await SQLiteTaskStore.open(path: home.file("turbo.db"))
        try await store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(3600), reason: "usage limit of profile claude"))

        let workers = try JSONSerialization.jsonObject(with: try cli.run(["workers", "--json"]).stdoutData) as? [String: Any]
        #expect((workers?["holds"] as? [[String: Any]])?.first?["agent"] as? String == "claude")
        #expect(workers?["workers"] is [Any])
        #expect(try decodeJSON(QueueStats.self, try cli.run(["stats", "--json"])).holds.map(\.agent) == ["claude"])
        let shown = try cli.run(["show", id])
        #expect(shown.stdout.contains("waiting"))
        #expect(shown.stdout.contains("held back until"))
        #expect(shown.stdout.contains("usage limit of profile claude"))
        let detail = try JSONSerialization.jsonObject(with: try cli.run(["show", id, "--json"]).stdoutData) as? [String: Any]
        #expect((detail?["hold"] as? [String: Any])?["agent"] as? String == "claude")

        let cleared = try cli.run(["hold", "clear", "claude"])
        #expect(cleared.status == 0, "\(cleared.stderr)")
        #expect(cleared.stdout.contains("Cleared the hold on profile 'claude'"))
        #expect(try await store.holdActions(for: "claude").map(\.action) == ["held", "cleared"])
        #expect(try await store.activeHolds().isEmpty)
        #expect(!(try cli.run(["show", id]).stdout.contains("held back until")))

        let again = try cli.run(["hold", "clear", "claude"])
        #expect(again.status != 0)
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(again.stderr.contains("profile 'claude' is not held back"))
        try await store.close()
    }

    @Test("submit --idempotency-key: a second run with the same key and tasks adds nothing and prints the same ids")
    func idempotentSubmit() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let first = try cli.run(["submit", "once only", "--idempotency-key", "deploy-42"])
        let second = try cli.run(["submit", "once only", "--idempotency-key", "deploy-42"])
        #expect(first.status == 0 && second.status == 0, "\(second.stderr)")
        #expect(first.lines == second.lines)
        #expect(try decodeJSON(QueueStats.self, try cli.run(["stats", "--json"])).count(.pending) == 1)
        let conflict = try cli.run(["submit", "something else", "--idempotency-key", "deploy-42"])
        #expect(conflict.status != 0)
        #expect(conflict.stderr.contains("'deploy-42' was used"))
    }
}

@Suite("CLI: a cleared hold wakes the workers")
struct HoldWakeTests {
    @Test("A worker that polls every ten minutes starts a held task as soon as its hold is cleared", arguments: TestEngine.available)
    func clearedHoldWakesWorker(engine: TestEngine) async throws {
        let database = try await TestDatabase.create(engine)
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = try await database.openStore()
        var cli = CLIRunner(home: home.path)
        cli.environment["AGENT_TURBO_DATABASE_URL"] = Self.url(database.location)
        try await store.hold(AgentHold(agent: "simulate", until: Date().addingTimeInterval(3600), reason: "usage limit"))
        let id = try #require(try cli.run(["submit", "result=done", "--agent", "simulate"]).lines.first)
        let worker = try WorkerProcess(cli, ["worker", "--poll-interval", "10m", "--concurrency", "1"])
        try await eventually("the worker to register") { try await store.workers().count == 1 }
        // Held: it waits (the worker has claimed at start, and will not poll again for ten minutes).
        #expect(try await store.existingTask(id).status == .pending)
        let cleared = try cli.run(["hold", "clear", "simulate"])
        #expect(cleared.status == 0, "\(cleared.stderr)")
        try await eventually("the task to complete after the hold was cleared", timeout: 60) {
            try await store.existingTask(id).status == .completed
        }
        worker.signal(SIGTERM)
        _ = try await worker.wait()
        try await store.close()
        await database.destroy()
    }

    /// The location as a `--database` URL, password included.
    static func url(_ location: DatabaseLocation) -> String {
        switch location {
        case .sqlite(let path):
            return "sqlite:" + path
        case .postgres(let url):
            let hosts = url.hosts.map { "\($0.name):\($0.port)" }.joined(separator: ",")
            return "postgres://\(url.username)\(url.password.map { ":" + $0 } ?? "")@\(hosts)/\(url.database)"
        }
    }
}
