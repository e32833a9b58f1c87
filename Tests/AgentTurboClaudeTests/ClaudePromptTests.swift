import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Claude Code: prompts, secrets, limits and refusals as users meet them", .serialized)
struct ClaudePromptTests {
    init() {
        if TestEnvironment.isCI {
            #expect(RealClaude.isAvailable, "CI must run the Claude Code tests: scripts/test.sh installs the CLI")
        }
    }

    @Test("A bullet list, `--help me` and `--version` are answered by the model; a 200 KB prompt runs; the agent sees no secret", .enabled(if: RealClaude.isAvailable))
    func promptsAsUsersWriteThem() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let prompts = [
            "bullets": "- fix the failing test fake:answer=Bullets_answered\n- then run the linter",
            "help": "--help me with this fake:answer=Help_answered",
            "version": "--version",
            "big": "fake:answer=Big_answered " + String(repeating: "All work and no play. ", count: 9_100),
        ]
        #expect(prompts["big"]!.utf8.count > 200_000)
        let lines = prompts.sorted { $0.key < $1.key }.map { name, prompt in
            String(decoding: try! JSONSerialization.data(withJSONObject: ["task_id": name, "prompt": prompt, "agent": "claude"]), as: UTF8.self)
        }
        let file = home.directory.file("prompts.jsonl")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let submitted = try home.cli.run(["submit", "--file", file, "--config", home.config])
        #expect(submitted.status == 0, "\(submitted.stderr)")

        var cli = home.cli
        cli.environment["AGENT_TURBO_API_TOKEN"] = "tok-secret-1"
        cli.environment["AGENT_TURBO_DATABASE_URL"] = "sqlite:" + home.directory.file("turbo.db")
        cli.environment["PGPASSWORD"] = "pg-secret-2"
        cli.environment["DATABASE_URL"] = "postgres://app:db-secret-3@127.0.0.1:1/app"
        let worker = try WorkerProcess(cli, ["worker", "--config", home.config, "--poll-interval", "0.2s", "--concurrency", "4"])
        let store = try await home.store()
        var done: [String: AgentTask] = [:]
        for name in prompts.keys {
            done[name] = try await store.waitForStatus(name, [.completed, .failed], timeout: 300)
        }
        worker.signal(SIGTERM)
        try await worker.wait()

        let answers = ["bullets": "Bullets answered", "help": "Help answered", "version": "Hello from the fake API.", "big": "Big answered"]
        for (name, prompt) in prompts {
            let task = try #require(done[name])
            #expect(task.status == .completed, "\(name): \(task.error ?? "")")
            #expect(task.attempt == 1)
            #expect(task.result == answers[name], "\(name)")
            let asked = home.api.requests.filter { $0.firstUserText.hasSuffix(prompt) }
            #expect(asked.count == 1, "\(name): the model got the prompt byte for byte, once")
            let arguments = try #require(home.run(forTask: name)?["arg"])
            if name == "big" {
                #expect(!arguments.contains("--"), "a 200 KB prompt goes on stdin")
                #expect(arguments.allSatisfy { $0.utf8.count < 1000 })
            } else {
                #expect(arguments.contains("--"))
            }
            let environment = try home.environment(forTask: name)
            let text = environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            for secret in ["tok-secret-1", "pg-secret-2", "db-secret-3", "turbo.db"] {
                #expect(!text.contains(secret), "\(name)'s agent has \(secret)")
            }
            #expect(environment["AGENT_TURBO_TASK_ID"] == name)
            #expect(environment["ANTHROPIC_API_KEY"] == "sk-ant-fake-key", "what the agent needs stays")
        }
        try await store.close()
    }

    @Test("An endless 429 ends as rate_limited within --max-rate-limit-wait, waiting as long as the API asked; `run` ends", .enabled(if: RealClaude.isAvailable))
    func endless429() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let batch = home.directory.file("limited.jsonl")
        try """
            {"task_id": "streamed", "prompt": "streamed-429 fake:429 fake:retry-after=2", "agent": "claude-stream", "max_retries": 0}
            {"task_id": "plain", "prompt": "plain-429 fake:429 fake:retry-after=2", "agent": "claude", "max_retries": 0}
            """.write(toFile: batch, atomically: true, encoding: .utf8)
        // The API asks for 2 s; the fallback is 60 s, more than the 7 s the tasks may wait in all.
        let run = try home.cli.run([
            "run", batch, "--config", home.config, "--concurrency", "2", "--poll-interval", "0.2s",
            "--rate-limit-wait", "60s", "--max-rate-limit-wait", "7s", "--json",
        ])
        #expect(run.status == 1, "\(run.stderr)")
        let finished = try JSONDecoder.agentTurbo.decode([AgentTask].self, from: run.stdoutData)
        #expect(finished.map(\.status) == [.failed, .failed])
        let store = try await home.store()

        // stream-json reports each retry's delay: the holds follow the API's retry-after, until 7 s are used up.
        let streamed = try await store.existingTask("streamed")
        #expect(streamed.errorKind == .rateLimited)
        #expect(streamed.retryCount == 0)
        #expect(streamed.error?.contains("rate limited past --max-rate-limit-wait (7.0s)") == true, "\(streamed.error ?? "")")
        let waits = try await store.actions(for: "streamed").filter { $0.action == .rateLimited }.compactMap { action -> Double? in
            guard case .object(let details) = JSONValue(parsing: action.details ?? ""), case .number(let wait) = details["wait_sec"]
            else { return nil }
            return wait
        }
        #expect(waits.count >= 2, "\(waits)")
        #expect(waits.allSatisfy { $0 > 1 && $0 < 5 }, "the holds follow the API's 2 s, not --rate-limit-wait: \(waits)")
        #expect(abs(streamed.rateLimitedSec - waits.reduce(0, +)) < 1e-6)
        #expect(streamed.rateLimitedSec <= 7)
        let shown = try home.cli.run(["show", "streamed", "--config", home.config]).stdout
        #expect(shown.contains("rate_limited_sec"), "show says how long the task was held back: \(shown)")

        // JSON mode reports no reset: the 60 s fallback is past the cap, so the task ends at once.
        let plain = try await store.existingTask("plain")
        #expect(plain.errorKind == .rateLimited)
        #expect(plain.attempt == 1)
        #expect(plain.error?.contains("no wait so far") == true, "\(plain.error ?? "")")
        #expect(home.requests(containing: "plain-429").count == 2, "one attempt: a request and the CLI's one retry")
        try await store.close()
    }

    @Test("bypassPermissions under root is refused by Claude Code: the task fails at once, saying why", .enabled(if: RealClaude.isAvailable && getuid() == 0))
    func bypassUnderRoot() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let id = try home.submit("bypass-run", agent: "claude-unsandboxed", ["--permission-mode", "bypassPermissions", "--retries", "3"])
        let worker = try home.worker()
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 300)
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .failed)
        #expect(task.errorKind == .invalidTask)
        #expect(task.attempt == 1, "nothing another attempt could change")
        #expect(task.error?.contains("refuses permission_mode bypassPermissions") == true, "\(task.error ?? "")")
        #expect(task.error?.contains("IS_SANDBOX=1") == true)
        #expect(home.requests(containing: "bypass-run").isEmpty, "the CLI refused before calling the API")
        try await store.close()
    }
}

extension JSONDecoder {
    /// Decodes what `--json` prints (ISO-8601 dates with fractions).
    static var agentTurbo: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a timestamp: \(text)"))
            }
            return date
        }
        return decoder
    }
}
