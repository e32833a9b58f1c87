import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Claude Code: the real CLI through the worker", .serialized)
struct ClaudeRunTests {
    init() {
        if TestEnvironment.isCI {
            #expect(RealClaude.isAvailable, "CI must run the Claude Code tests: scripts/test.sh installs the CLI")
        }
    }

    @Test("Eight tasks at concurrency 8: results, cost, tokens, session and turns stored; each in its folder with its own config", .enabled(if: RealClaude.isAvailable))
    func eightAtOnce() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        var expected: [String: (answer: String, input: Int, output: Int, folder: String)] = [:]
        for index in 1...8 {
            let answer = "Answer_number_\(index)"
            let input = 100 * index
            let output = 7 + index
            let id = try home.submit("marker-\(index) fake:answer=\(answer) fake:usage=\(input),\(output)", folder: "project-\(index)")
            expected[id] = (answer.replacingOccurrences(of: "_", with: " "), input, output, home.directory.file("project-\(index)"))
        }
        let worker = try home.worker(["--concurrency", "8"])
        let store = try await home.store()
        for id in expected.keys {
            _ = try await store.waitForStatus(id, [.completed, .failed], timeout: 300)
        }
        worker.signal(SIGTERM)
        try await worker.wait()

        var configFolders = Set<String>()
        for (id, want) in expected {
            let task = try await store.existingTask(id)
            #expect(task.status == .completed, "\(id): \(task.error ?? "")")
            #expect(task.result == want.answer)
            #expect(task.numTurns == 1)
            #expect(task.inputTokens == want.input)
            #expect(task.outputTokens == want.output)
            let cost = try #require(task.costUSD)
            #expect(abs(cost - expectedCost(model: "opus", input: want.input, output: want.output)) < 1e-9)
            #expect(task.exitCode == 0)
            let index = want.folder.split(separator: "-").last.map(String.init) ?? ""
            let requests = home.requests(containing: "marker-\(index) ")
            #expect(requests.count == 1)
            #expect(requests.first?.header("x-claude-code-session-id") == task.sessionID)
            #expect(requests.first?.allText.contains("Primary working directory: \(want.folder)") == true)
            let run = try #require(home.run(forTask: id))
            #expect(run["cwd"]?.first == want.folder)
            configFolders.insert(run["config"]?.first ?? "")
            #expect(task.peakMemoryBytes ?? 0 > 50 << 20, "a claude process holds well over 50 MiB")
        }
        #expect(configFolders.count == 8, "each concurrent agent had its own config folder")
        #expect(!configFolders.contains(""))
        try await store.close()
    }

    @Test("The task's model, max turns, allowed tools, permission mode and system prompts reach the CLI", .enabled(if: RealClaude.isAvailable))
    func optionsReachTheCLI() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let tool = try home.submit(
            "options-run fake:tool=Bash fake:usage=100,10", folder: "work",
            ["--model", "claude-sonnet-4-5", "--max-turns", "3", "--allowed-tool", "Bash(echo:*)", "--allowed-tool", "Read",
             "--permission-mode", "acceptEdits", "--system-prompt", "You are TESTSYS.", "--append-system-prompt", "APPENDED-XYZ."]
        )
        let looping = try home.submit("loop-run fake:toolloop", folder: "loop", ["--max-turns", "2", "--allowed-tool", "Bash"])
        let worker = try home.worker(["--concurrency", "2"])
        let store = try await home.store()
        let done = try await store.waitForStatus(tool, [.completed, .failed], timeout: 300)
        let stopped = try await store.waitForStatus(looping, [.completed, .failed], timeout: 300)
        worker.signal(SIGTERM)
        try await worker.wait()

        #expect(done.status == .completed, "\(done.error ?? "")")
        #expect(done.numTurns == 2, "one tool round trip is two model turns")
        let arguments = try #require(home.run(forTask: tool)?["arg"])
        for pair in [["--model", "claude-sonnet-4-5"], ["--max-turns", "3"], ["--allowedTools", "Bash(echo:*)"],
                     ["--allowedTools", "Read"], ["--permission-mode", "acceptEdits"],
                     ["--system-prompt", "You are TESTSYS."], ["--append-system-prompt", "APPENDED-XYZ."]] {
            #expect(zip(arguments, arguments.dropFirst()).contains { [$0, $1] == pair }, "argv lacks \(pair)")
        }
        #expect(arguments.first == "-p")
        #expect(arguments.suffix(2) == ["--", "options-run fake:tool=Bash fake:usage=100,10"], "the prompt is one argv element, after --")
        let requests = home.requests(containing: "options-run")
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.model == "claude-sonnet-4-5" })
        #expect(requests.first?.systemText.contains("You are TESTSYS.") == true)
        #expect(requests.first?.systemText.contains("APPENDED-XYZ.") == true)
        #expect(requests.last?.lastUserText.contains("hi") == true, "the tool ran and its result went back")
        let cost = try #require(done.costUSD)
        #expect(abs(cost - expectedCost(model: "sonnet-4", input: 200, output: 20)) < 1e-9)

        #expect(stopped.status == .failed)
        #expect(stopped.errorKind == .maxTurns)
        #expect(stopped.attempt == 1, "max turns is not retried")
        try await store.close()
    }

    @Test("401 fails at once and holds the profile back; 429 reschedules without spending a retry", .enabled(if: RealClaude.isAvailable))
    func credentialsAndRateLimits() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let limited = try home.submit("limited-run fake:429 fake:retry-after=1", ["--retries", "0"])
        let worker = try home.worker(["--rate-limit-wait", "3s"])
        let store = try await home.store()
        try await eventually("the rate-limited attempt was recorded", timeout: 300) {
            try await store.actions(for: limited).contains { $0.action == .rateLimited }
        }
        let rescheduled = try await store.existingTask(limited)
        #expect(rescheduled.status == .pending || rescheduled.status == .running)
        #expect(rescheduled.retryCount == 0, "a rate limit spends no retry, even with max_retries 0")
        #expect(try await store.actions(for: limited).filter { $0.action == .failed }.isEmpty)
        _ = try await store.cancel(limited, reason: "done with it", by: "test")

        let bad = try home.submit("auth-run fake:401", ["--retries", "3"])
        let failed = try await store.waitForStatus(bad, [.failed, .completed], timeout: 300)
        #expect(failed.status == .failed)
        #expect(failed.errorKind == .invalidCredentials)
        #expect(failed.attempt == 1, "invalid credentials are not retried")
        try await eventually("the profile is held back") {
            try await store.activeHolds().contains { $0.agent == "claude" && $0.reason.contains("invalid credentials") }
        }
        let waiting = try home.submit("after-bad-key")
        try await Task.sleep(for: .seconds(1))
        #expect(try await store.existingTask(waiting).attempt == 0, "nothing else burns an attempt on a bad key")
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("529 and 500 are retried with backoff, then fail", .enabled(if: RealClaude.isAvailable))
    func transientErrors() async throws {
        let home = try await ClaudeHome.start(maxRetries: 0)
        defer { Task { await home.stop() } }
        let overloaded = try home.submit("overloaded-run fake:529", ["--retries", "1"])
        let broken = try home.submit("broken-run fake:500", ["--retries", "1"])
        let worker = try home.worker(["--concurrency", "2"])
        let store = try await home.store()
        for id in [overloaded, broken] {
            let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 300)
            #expect(task.status == .failed)
            #expect(task.errorKind == .transient)
            #expect(task.attempt == 2)
            let actions = try await store.actions(for: id).map(\.action.rawValue)
            #expect(actions == ["created", "claimed", "retry_scheduled", "claimed", "failed"])
        }
        #expect(home.requests(containing: "overloaded-run").count == 2, "one request per attempt with CLAUDE_CODE_MAX_RETRIES=0")
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("A hung stream is ended by the task timeout, process group and all", .enabled(if: RealClaude.isAvailable))
    func hungStream() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let id = try home.submit("stalled-run fake:stall", ["--timeout", "5", "--retries", "0"])
        let worker = try home.worker(["--kill-grace", "2s"])
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 300)
        #expect(task.status == .failed)
        #expect(task.errorKind == .timeout)
        let pid = try #require(home.run(forTask: id)?["pid"]?.first.flatMap { Int32($0) })
        #expect(!ProcessTable.isAlive(pid), "claude (pid \(pid)) outlived its timeout")
        for group in worker.agentGroups[id] ?? [] {
            #expect(ProcessTable.members(ofGroup: group).isEmpty)
        }
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("stream-json shows turns, tool use and cost while the agent runs; the final record matches JSON mode", .enabled(if: RealClaude.isAvailable))
    func liveProgress() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let prompt = "fake:tools=3 fake:slow=1 fake:usage=100,10"
        let streamed = try home.submit("streamed-run \(prompt)", agent: "claude-stream", folder: "s", ["--allowed-tool", "Bash"])
        let worker = try home.worker(["--concurrency", "2"])
        let store = try await home.store()
        let follower = try WorkerProcess(home.cli, ["logs", streamed, "--follow"])
        var seenRunning: AgentTask?
        try await eventually("progress recorded while the agent runs", timeout: 300) {
            let task = try await store.existingTask(streamed)
            if task.status == .running, let progress = task.progress, progress.contains("\"tool_uses\":1") || progress.contains("\"tool_uses\":2") {
                seenRunning = task
                return true
            }
            return task.status.isFinished
        }
        let midway = try #require(seenRunning, "the task finished before any progress was seen")
        #expect((midway.numTurns ?? 0) >= 1)
        #expect((midway.costUSD ?? 0) > 0, "an estimated cost so far")
        let shown = try home.cli.run(["show", streamed]).stdout
        #expect(shown.contains("progress"))
        #expect(shown.contains("tool use"))
        let final = try await store.waitForStatus(streamed, [.completed, .failed], timeout: 300)
        _ = try await follower.wait()
        #expect(final.status == .completed, "\(final.error ?? "")")
        #expect(final.numTurns == 4)
        #expect(follower.output.contains("tool: Bash: echo hi"))
        #expect(follower.output.contains("✔ result"))

        let plain = try home.submit("plain-run \(prompt)", agent: "claude", folder: "p", ["--allowed-tool", "Bash"])
        let same = try await store.waitForStatus(plain, [.completed, .failed], timeout: 300)
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(same.status == .completed)
        #expect(same.numTurns == final.numTurns)
        #expect(same.result == final.result)
        #expect(same.inputTokens == final.inputTokens)
        #expect(same.outputTokens == final.outputTokens)
        #expect(same.costUSD == final.costUSD)
        try await store.close()
    }
}
