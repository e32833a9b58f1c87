import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Worker: what the agent gets", .serialized)
struct AgentEnvironmentTests {
    /// A config file with `command` profiles that print what the agent received.
    func configure(_ home: WorkerHome) throws -> String {
        let config = home.directory.file("config.json")
        let json = """
            {"profiles": {
              "command": {"executable": "printf", "arguments": ["%s", "{prompt}"]},
              "show-env": {"executable": "sh", "arguments": ["-c", "env; pwd", "show-env"]},
              "from-stdin": {"executable": "cat", "prompt_delivery": "stdin"}
            }}
            """
        try json.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test("The prompt is one argv element, never shell text; stdin delivery works too")
    func promptIsData() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let config = try configure(home)
        let marker = home.directory.file("pwned")
        let prompt = #"it's "quoted"; $(touch \#(marker)) `touch \#(marker)` && echo | cat"#
        let first = try home.cli.run(["submit", prompt, "--agent", "command", "--config", config]).lines[0]
        let second = try home.cli.run(["submit", prompt, "--agent", "from-stdin", "--config", config]).lines[0]
        let worker = try home.startWorker(["--config", config])
        let store = try await home.store()
        for id in [first, second] {
            let task = try await store.waitForStatus(id, [.completed, .failed])
            #expect(task.status == .completed)
            #expect(task.result == prompt)
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("The agent runs in the task's folder without CLAUDECODE or CLAUDE_CODE_ENTRYPOINT")
    func environmentAndFolder() async throws {
        let home = try WorkerHome(environment: ["CLAUDECODE": "1", "CLAUDE_CODE_ENTRYPOINT": "cli", "KEEP_ME": "yes"])
        defer { home.remove() }
        let config = try configure(home)
        let folder = home.directory.file("project")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let id = try home.cli.run(["submit", "show", "--agent", "show-env", "--cwd", folder, "--config", config]).lines[0]
        let worker = try home.startWorker(["--config", config])
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.completed, .failed])
        worker.signal(SIGTERM)
        try await worker.wait()
        let output = try await store.outputText(id)
        #expect(task.status == .completed)
        #expect(!output.contains("CLAUDECODE="))
        #expect(!output.contains("CLAUDE_CODE_ENTRYPOINT="))
        #expect(output.contains("KEEP_ME=yes"))
        #expect(output.contains("AGENT_TURBO_TASK_ID=\(id)"))
        #expect(output.hasSuffix(folder + "\n"))
        try await store.close()
    }

    @Test("A missing program fails at once; so does a profile this worker does not know")
    func permanentLaunchFailures() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let config = home.directory.file("config.json")
        try #"{"profiles": {"ghost": {"executable": "/no/such/agent"}}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let missing = try home.cli.run(["submit", "x", "--agent", "ghost", "--config", config]).lines[0]
        let refused = try home.cli.run(["submit", "x", "--agent", "nobody"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("unknown agent 'nobody'"))
        // A task written by a submitter with another config: the worker cannot run it either.
        let store = try await home.store()
        let unknown = try await store.submit(NewTask(taskDescription: "x", agent: "nobody")).taskID
        let worker = try home.startWorker(["--config", config])
        let first = try await store.waitForStatus(missing, [.failed, .completed])
        let second = try await store.waitForStatus(unknown, [.failed, .completed])
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(first.errorKind == .executableNotFound)
        #expect(first.attempt == 1)
        #expect(second.errorKind == .invalidTask)
        #expect(second.attempt == 1)
        #expect(second.error?.contains("nobody") == true)
        try await store.close()
    }

    @Test("A running agent's /proc/PID/environ holds no token, database URL or password")
    func noSecretsInEnviron() async throws {
        let home = try WorkerHome(environment: [
            "AGENT_TURBO_API_TOKEN": "tok-secret-1",
            "AGENT_TURBO_SQLITE_WAKE_FILE": "1",
            "PGPASSWORD": "pg-secret-2",
            "PGHOST": "db.internal",
            "CACHE_URL": "redis://:cache-secret-3@127.0.0.1:1/0",
            "DATABASE_URL": "postgres://app:app-secret-4@127.0.0.1:1/app",
            "KEEP_ME": "yes",
        ])
        defer { home.remove() }
        var worker = home.cli
        worker.environment["AGENT_TURBO_DATABASE_URL"] = "sqlite:" + home.directory.file("turbo.db")
        let id = try home.submit("sleep=60 grandchild")
        let process = try WorkerProcess(worker, ["worker", "--poll-interval", "0.2s"])
        let store = try await home.store()
        var environments: [Int32: [String: String]] = [:]
        try await eventually("the agent, its child and its supervisor are running") {
            guard let group = process.agentGroups[id]?.first,
                let supervisor = process.logLines.first(where: { $0["msg"] == "agent started" && $0["task_id"] == id })?["supervisor_pid"]
                    .flatMap({ Int32($0) })
            else { return false }
            environments = [:]
            for pid in ProcessTable.members(ofGroup: group) + [supervisor] {
                environments[pid] = try? Self.environment(of: pid)
            }
            return environments.values.filter { $0["AGENT_TURBO_TASK_ID"] == id }.count >= 3
        }
        let workerEnvironment = try Self.environment(of: process.pid)
        #expect(workerEnvironment["AGENT_TURBO_API_TOKEN"] == "tok-secret-1", "the worker itself keeps them")
        for (pid, environment) in environments {
            let text = environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            for secret in ["tok-secret-1", "pg-secret-2", "cache-secret-3", "app-secret-4", "db.internal", "turbo.db"] {
                #expect(!text.contains(secret), "pid \(pid) has \(secret)")
            }
            #expect(environment.keys.filter { $0.hasPrefix("AGENT_TURBO_") }.sorted() == [
                "AGENT_TURBO_ATTEMPT", "AGENT_TURBO_TASK_ID", "AGENT_TURBO_WORKER_ID",
            ])
            #expect(environment["KEEP_ME"] == "yes")
        }
        _ = try await store.cancel(id, reason: "seen enough", by: "test")
        _ = try await store.waitForStatus(id, [.cancelled, .failed, .completed])
        process.signal(SIGTERM)
        try await process.wait()
        try await store.close()
    }

    /// `/proc/PID/environ`: what the process was started with.
    static func environment(of pid: Int32) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        var environment: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return environment
    }

    @Test("A prompt too long for one argument runs on stdin; where the program cannot read stdin it fails at once")
    func longPrompts() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let config = home.directory.file("config.json")
        try #"{"profiles": {"lint": {"executable": "printf", "arguments": ["%s", "{prompt}"]}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let long = String(repeating: "0123456789", count: 20_000) + " result=long-prompt-read"
        let lines = home.directory.file("long.jsonl")
        try #"{"prompt": "\#(long)", "agent": "simulate"}"#.write(toFile: lines, atomically: true, encoding: .utf8)
        let onStdin = try home.cli.run(["submit", "--file", lines, "--config", config]).lines[0]

        try #"{"prompt": "\#(long)", "agent": "lint"}"#.write(toFile: lines, atomically: true, encoding: .utf8)
        let refused = try home.cli.run(["submit", "--file", lines, "--config", config])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("200024 bytes, more than the 'lint' agent can take as one argument"), "\(refused.stderr)")

        // Written by a submitter that did not know the profile: the worker refuses it before exec, for good.
        let store = try await home.store()
        let tooLong = try await store.submit(NewTask(taskDescription: long, agent: "lint")).taskID
        let worker = try home.startWorker(["--config", config])
        let read = try await store.waitForStatus(onStdin, [.completed, .failed])
        let failed = try await store.waitForStatus(tooLong, [.completed, .failed])
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(read.status == .completed, "\(read.error ?? "")")
        #expect(read.result == "long-prompt-read")
        #expect(failed.status == .failed)
        #expect(failed.errorKind == .invalidTask)
        #expect(failed.attempt == 1, "nothing can change: not retried")
        #expect(failed.error?.contains("E2BIG") == true, "\(failed.error ?? "")")
        try await store.close()
    }

    @Test("E2BIG from exec itself (an environment past ARG_MAX) fails at once and says so")
    func execTooBig() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        // Each variable fits; together they pass what execve takes.
        let count = sysconf(Int32(_SC_ARG_MAX)) / 100_000 + 2
        let variables = (0..<count).map { #""BIG_\#($0)": "\#(String(repeating: "v", count: 100_000))""# }
        let config = home.directory.file("config.json")
        try #"{"profiles": {"simulate": {"environment": {\#(variables.joined(separator: ", "))}}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let id = try home.submit("hello", ["--retries", "3"])
        let worker = try home.startWorker(["--config", config])
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.completed, .failed])
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .failed)
        #expect(task.errorKind == .invalidTask)
        #expect(task.attempt == 1)
        #expect(task.error?.contains("too long for one program (E2BIG)") == true, "\(task.error ?? "")")
        try await store.close()
    }
}
