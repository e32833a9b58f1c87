import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// An agent-turbo home whose database is a PostgreSQL URL, and a config that runs the seed's default
/// `claude` tasks with the simulated agent (no API needed).
struct PostgresHome {
    let directory: TemporaryDirectory
    let cli: CLIRunner
    let config: String

    init(url: String) throws {
        directory = try TemporaryDirectory(prefix: "agent-turbo-pg")
        var cli = CLIRunner(home: directory.path, extraEnvironment: ["AGENT_TURBO_DATABASE_URL": url])
        cli.currentDirectory = directory.path
        self.cli = cli
        config = directory.file("config.json")
        let json = #"{"profiles": {"claude": {"executable": "\#(CLIRunner.executable)", "arguments": ["__simulate-agent", "{prompt}"], "style": "plain", "config_dir_variable": ""}}}"#
        try json.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func worker(_ id: String, _ options: [String] = []) throws -> WorkerProcess {
        try WorkerProcess(cli, ["worker", "--worker-id", id, "--config", config] + options)
    }

    func store() async throws -> any TaskStore {
        let url = try PostgresURL.parse(cli.environment["AGENT_TURBO_DATABASE_URL"]!)
        return try await TestDatabase.openPostgres(url)
    }

    func submitFile(_ lines: [String]) throws {
        let file = directory.file("tasks-\(UUID().uuidString.prefix(6)).jsonl")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try cli.run(["submit", "--file", file])
        guard result.status == 0 else { throw TestTimeout("submit failed: \(result.stderr)") }
    }
}

@Suite("PostgreSQL: many workers, raw SQL, restarts and failover", .serialized)
struct PostgresWorkerTests {
    init() throws {
        if TestEnvironment.isCI {
            #expect(ThrowawayPostgres.isAvailable, "CI must run the PostgreSQL tests: start them with scripts/test.sh")
        }
    }

    @Test("Four workers drain 2,000 tasks, each completed exactly once, the work spread over all four",
          .enabled(if: TestEnvironment.postgresURL != nil))
    func fourHosts() async throws {
        let database = try await TestDatabase.create(.postgres)
        defer { Task { await database.destroy() } }
        guard case .postgres(let url) = database.location else { return }
        let home = try PostgresHome(url: url.connectionString)
        defer { home.directory.remove() }
        _ = try await database.openStore()
        let log = home.directory.file("done.log")
        try home.submitFile((1...2000).map { #"{"task_description": "write=\#(log) n\#($0)", "agent": "simulate"}"# })
        let workers = try (1...4).map { try home.worker("host-\($0)", ["--concurrency", "4", "--poll-interval", "0.5s"]) }
        let store = try await home.store()
        try await eventually("2,000 tasks completed", timeout: 600, every: .milliseconds(500)) {
            try await store.statusCounts(batchID: nil)[.completed] == 2000
        }
        for worker in workers {
            worker.signal(SIGTERM)
        }
        for worker in workers {
            #expect(try await worker.wait() == 0)
        }
        let runs = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(runs.count == 2000)
        #expect(Set(runs.map { $0.split(separator: " ")[0] }).count == 2000)
        var perWorker: [String: Int] = [:]
        var after: String?
        repeat {
            let page = try await store.tasks(matching: TaskFilter(limit: 1000, after: after))
            for task in page {
                #expect(task.attempt == 1)
                perWorker[task.assignedWorkerID ?? "?", default: 0] += 1
            }
            after = page.count == 1000 ? page.last?.taskID : nil
        } while after != nil
        #expect(Set(perWorker.keys) == ["host-1", "host-2", "host-3", "host-4"], "work per worker: \(perWorker)")
        try await store.close()
    }

    @Test("The seed's raw SQL insert wakes a waiting worker by NOTIFY and is audited; its SELECTs work",
          .enabled(if: TestEnvironment.postgresURL != nil))
    func seedSQL() async throws {
        let database = try await TestDatabase.create(.postgres)
        defer { Task { await database.destroy() } }
        guard case .postgres(let url) = database.location else { return }
        let home = try PostgresHome(url: url.connectionString)
        defer { home.directory.remove() }
        let store = try await database.openStore()
        // A poll every ten minutes: only a notification can wake this worker in time.
        let worker = try home.worker("seed-host", ["--poll-interval", "600s"])
        try await eventually("the worker registered and found nothing to do") {
            try await store.workers().first?.state == .running && worker.logText.contains("worker started")
        }
        try await Task.sleep(for: .milliseconds(300))
        try await PostgresTestDatabase.execute(url, """
            INSERT INTO agent_tasks (
                task_id,
                task_type,
                task_description,
                task_priority,
                status,
                timeout_seconds,
                max_retries
            ) VALUES (
                'mvp_final_1',
                'analysis',
                'Calculate 5 + 7 and return the result',
                8,
                'pending',
                300,
                3
            );
            """)
        try await eventually("the raw SQL task completed", timeout: 120) {
            try await store.existingTask("mvp_final_1").status == .completed
        }
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(try await store.actions(for: "mvp_final_1").map(\.action.rawValue) == ["created", "claimed", "completed"])
        let verification = try await PostgresTestDatabase.rows(url, """
            SELECT task_id, status, assigned_worker_id, duration_sec
            FROM agent_tasks WHERE task_id LIKE 'mvp_final_%';
            """)
        #expect(verification.count == 1)
        #expect(verification.first?["status"] == "completed")
        #expect(verification.first?["assigned_worker_id"] == "seed-host")
        #expect(Double(verification.first?["duration_sec"] ?? "") ?? 0 > 0)
        let monitor = try await PostgresTestDatabase.rows(url, """
            SELECT task_id, status, assigned_worker_id
            FROM agent_tasks
            WHERE created_at > NOW() - INTERVAL '1 hour'
            ORDER BY created_at DESC;
            """)
        #expect(monitor.map { $0["task_id"] } == ["mvp_final_1"])
        let recent = try await PostgresTestDatabase.rows(url, "SELECT task_id, status FROM agent_tasks WHERE created_at > NOW() - INTERVAL '10 minutes';")
        #expect(recent.first?["status"] == "completed")
        try await store.close()
    }
}
