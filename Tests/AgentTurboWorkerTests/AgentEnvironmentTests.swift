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

    @Test("A missing program and an unknown profile fail at once")
    func permanentLaunchFailures() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let config = home.directory.file("config.json")
        try #"{"profiles": {"ghost": {"executable": "/no/such/agent"}}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let missing = try home.cli.run(["submit", "x", "--agent", "ghost"]).lines[0]
        let unknown = try home.cli.run(["submit", "x", "--agent", "nobody"]).lines[0]
        let worker = try home.startWorker(["--config", config])
        let store = try await home.store()
        let first = try await store.waitForStatus(missing, [.failed, .completed])
        let second = try await store.waitForStatus(unknown, [.failed, .completed])
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(first.errorKind == .executableNotFound)
        #expect(first.attempt == 1)
        #expect(second.errorKind == .invalidTask)
        #expect(second.error?.contains("nobody") == true)
        try await store.close()
    }
}
