import AgentTurboAgents
import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Worker: timeouts, retries, limits, cancel", .serialized)
struct FailureHandlingTests {
    @Test("A timed-out agent and its grandchild are both gone; an agent ignoring SIGTERM is killed")
    func timeoutKillsTheGroup() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        // The timeout leaves the agents ample time to start their children first, however busy the machine.
        let polite = try home.submit("sleep=60 grandchild daemon", ["--timeout", "6", "--retries", "0"])
        let stubborn = try home.submit("sleep=60 grandchild daemon ignore-term", ["--timeout", "6", "--retries", "0"])
        let worker = try home.startWorker(["--concurrency", "2", "--kill-grace", "1s"])
        let store = try await home.store()
        for id in [polite, stubborn] {
            let task = try await store.waitForStatus(id, [.failed, .completed])
            #expect(task.status == .failed)
            #expect(task.errorKind == .timeout)
            let output = try await store.outputText(id)
            let grandchild = try #require(grandchildPID(in: output))
            #expect(!ProcessTable.isAlive(grandchild), "the grandchild \(grandchild) of \(id) survived")
            let daemon = try #require(daemonPID(in: output))
            expectDaemonHandled(daemon, of: id)
            for group in worker.agentGroups[id] ?? [] {
                #expect(ProcessTable.members(ofGroup: group).isEmpty, "process group \(group) of \(id) survived")
            }
        }
        #expect(try await store.existingTask(polite).exitCode == 128 + 15, "SIGTERM was enough")
        #expect(try await store.existingTask(stubborn).exitCode == 128 + 9, "SIGKILL after the grace period")
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("Retry counts and run_after follow the policy")
    func retryPolicy() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let id = try home.submit("exit=3", ["--retries", "2"])
        let worker = try home.startWorker(["--retry-base", "1s", "--retry-max", "10s"])
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed])
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .failed)
        #expect(task.attempt == 3, "max_retries 2 means three attempts")
        #expect(task.retryCount == 2)
        #expect(task.exitCode == 3)
        #expect(task.errorKind == .agentError)
        let actions = try await store.actions(for: id)
        #expect(actions.map(\.action.rawValue) == ["created", "claimed", "retry_scheduled", "claimed", "retry_scheduled", "claimed", "failed"])
        let backoffs = actions.filter { $0.action == .retryScheduled }.compactMap { action -> Double? in
            guard let details = action.details, case .object(let object) = JSONValue(parsing: details),
                case .number(let seconds) = object["backoff_sec"]
            else { return nil }
            return seconds
        }
        #expect(backoffs.count == 2)
        #expect(backoffs[0] >= 0.5 && backoffs[0] <= 1.0, "first retry: 1 s with jitter, got \(backoffs[0])")
        #expect(backoffs[1] >= 1.0 && backoffs[1] <= 2.0, "second retry: 2 s with jitter, got \(backoffs[1])")
        let attempts = try await store.attempts(for: id)
        #expect(attempts.count == 3)
        for index in 1..<attempts.count {
            let gap = attempts[index].startedAt.timeIntervalSince(attempts[index - 1].finishedAt ?? .distantFuture)
            #expect(gap >= backoffs[index - 1] - 0.05, "attempt \(index + 1) started before its run_after")
        }
        try await store.close()
    }

    @Test("A 401 fails at once and holds the profile back; a rate limit reschedules without spending a retry")
    func credentialsAndLimits() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let store = try await home.store()
        let auth = try home.submit("status=401")
        let worker = try home.startWorker()
        let failed = try await store.waitForStatus(auth, [.failed, .completed])
        #expect(failed.attempt == 1)
        #expect(failed.retryCount == 0)
        #expect(failed.errorKind == .invalidCredentials)
        #expect(try await store.activeHolds().map(\.agent) == ["simulate"])
        worker.signal(SIGTERM)
        try await worker.wait()

        let other = try WorkerHome()
        defer { other.remove() }
        let otherStore = try await other.store()
        let limited = try other.submit("rate-limit=2 limited", ["--retries", "0"])
        let second = try other.startWorker()
        try await eventually("two rate-limited attempts") {
            try await otherStore.actions(for: limited).filter { $0.action == .rateLimited }.count >= 2
        }
        second.signal(SIGTERM)
        try await second.wait()
        let task = try await otherStore.existingTask(limited)
        #expect(task.retryCount == 0, "a rate limit spends no retry, even with max_retries 0")
        #expect(task.status == .pending)
        #expect(task.errorKind == .rateLimited)
        let attempts = try await otherStore.attempts(for: limited)
        #expect(attempts.count >= 2)
        let gap = attempts[1].startedAt.timeIntervalSince(attempts[0].finishedAt ?? .distantFuture)
        #expect(gap >= 1.0, "the second attempt waited for the reset, \(gap) s")
        try await store.close()
        try await otherStore.close()
    }

    @Test("A running task cancelled from another process stops, process group and all")
    func cancelFromAnotherProcess() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let id = try home.submit("sleep=300 grandchild")
        let worker = try home.startWorker()
        let store = try await home.store()
        _ = try await store.waitForStatus(id, [.running])
        try await eventually("the agent started") { worker.agentGroups[id] != nil }
        let cancelled = try home.cli.run(["cancel", id])
        #expect(cancelled.status == 0)
        #expect(cancelled.stdout.contains("cancel requested"))
        let task = try await store.waitForStatus(id, [.cancelled, .completed, .failed])
        #expect(task.status == .cancelled)
        for group in worker.agentGroups[id] ?? [] {
            #expect(ProcessTable.members(ofGroup: group).isEmpty)
        }
        #expect(try await store.actions(for: id).map(\.action.rawValue) == ["created", "claimed", "cancel_requested", "cancelled"])
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("A working directory that is gone fails the task at once, naming it")
    func missingFolder() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let folder = home.directory.file("project")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let id = try home.submit("hello", ["--cwd", folder, "--retries", "3"])
        try FileManager.default.removeItem(atPath: folder)
        let worker = try home.startWorker()
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed])
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .failed)
        #expect(task.errorKind == .invalidTask)
        #expect(task.attempt == 1)
        #expect(task.error?.contains(folder) == true, "\(task.error ?? "")")
        try await store.close()
    }

    @Test("Rate limits that never clear end: past --max-rate-limit-wait the task fails as rate_limited, and `run` ends")
    func endlessRateLimit() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let batch = home.directory.file("batch.jsonl")
        try """
            {"task_id": "limited", "prompt": "status=429 forever", "agent": "simulate", "max_retries": 0}
            {"task_id": "fine", "prompt": "result=ok", "agent": "simulate"}
            """.write(toFile: batch, atomically: true, encoding: .utf8)
        // A 429 that names no reset waits --rate-limit-wait: 1 s, 2 s in total, and a third would pass 2.5 s.
        let run = try home.cli.run([
            "run", batch, "--rate-limit-wait", "1s", "--max-rate-limit-wait", "2.5s", "--poll-interval", "0.2s", "--json",
        ])
        #expect(run.status == 1, "a task failed: \(run.stderr)")
        let store = try await home.store()
        let task = try await store.existingTask("limited")
        #expect(task.status == .failed)
        #expect(task.errorKind == .rateLimited)
        #expect(task.retryCount == 0)
        #expect(task.error?.contains("--max-rate-limit-wait (2.5s)") == true, "\(task.error ?? "")")
        #expect(task.error?.contains("waited 2.0s in total") == true, "it says how long it waited: \(task.error ?? "")")
        let actions = try await store.actions(for: "limited").map(\.action.rawValue)
        #expect(actions == ["created", "claimed", "rate_limited", "claimed", "rate_limited", "claimed", "failed"])
        #expect(try await store.existingTask("fine").status == .completed)
        try await store.close()
    }
}
