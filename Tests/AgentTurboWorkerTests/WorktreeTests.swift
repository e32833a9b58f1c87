import AgentTurboCore
import AgentTurboSQL
import AgentTurboTestSupport
import Foundation
import Testing

/// A worker home with a repository beside it and a config file whose `worktrees` section the test sets.
struct WorktreeHome {
    let home: WorkerHome
    let repo: GitFixture
    let config: String

    /// `worktrees` makes the config's `worktrees` section, given the repository.
    init(worktrees: (GitFixture) -> String = { _ in "{}" }, profiles: String = "{}") throws {
        home = try WorkerHome()
        repo = try GitFixture()
        config = home.directory.file("config.json")
        try #"{"profiles": \#(profiles), "worktrees": \#(worktrees(repo))}"#.write(toFile: config, atomically: true, encoding: .utf8)
    }

    var root: String { home.directory.file("worktrees") }

    func submit(_ prompt: String, _ options: [String] = [], repo path: String? = nil) throws -> String {
        try home.submit(prompt, ["--repo", path ?? repo.path, "--worktree", "--config", config] + options)
    }

    func worker(_ options: [String] = []) throws -> WorkerProcess {
        try home.startWorker(["--config", config] + options)
    }

    /// Task worktree folders left under the root (`<root>/<repository>/<task>`).
    func worktreeFolders() -> [String] {
        GitFixture.worktreeFolders(under: root)
    }

    func remove() {
        home.remove()
        repo.remove()
    }
}

@Suite("Worker: a git worktree and branch per task", .serialized)
struct WorktreeTests {
    @Test("Sixteen simulated agents edit the same file at concurrency 16: sixteen branches, each with its own edit; the main checkout untouched; no worktree left; show names the branch and its diff")
    func sixteenAgents() async throws {
        let fixture = try WorktreeHome()
        defer { fixture.remove() }
        let before = try fixture.repo.mainState()
        let ids = try (1...16).map { try fixture.submit("write=notes.txt edit \($0)") }
        let worker = try fixture.worker(["--concurrency", "16"])
        let store = try await fixture.home.store()
        for id in ids {
            _ = try await store.waitForStatus(id, [.completed, .failed], timeout: 300)
        }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)

        var lines = Set<String>()
        for id in ids {
            let task = try await store.existingTask(id)
            #expect(task.status == .completed, "\(id): \(task.error ?? "")")
            let workspace = try #require(task.workspace)
            #expect(workspace.branch == "agent-turbo/\(id)")
            #expect(workspace.baseCommit == before.head)
            #expect(workspace.filesChanged == 1)
            #expect(workspace.linesAdded == 1)
            #expect(workspace.linesRemoved == 0)
            #expect(workspace.headCommit == (try fixture.repo.git(["rev-parse", workspace.branch])))
            let notes = try #require(fixture.repo.file("notes.txt", at: workspace.branch))
            let added = notes.split(separator: "\n").dropFirst()
            #expect(added.count == 1)
            #expect(added.first?.hasPrefix(id) == true, "the branch carries its own task's edit")
            lines.formUnion(added.map(String.init))
        }
        #expect(lines.count == 16)
        let after = try fixture.repo.mainState()
        #expect(after.status.isEmpty, "the main checkout is untouched")
        #expect(after.head == before.head)
        #expect(fixture.repo.file("notes.txt", at: "main") == "first line")
        #expect(fixture.worktreeFolders().isEmpty, "no worktree folder is left behind")

        let shown = try fixture.home.cli.run(["show", ids[0]])
        #expect(shown.stdout.contains("branch              agent-turbo/\(ids[0])"))
        #expect(shown.stdout.contains("diff                1 file, +1 -0"))
        let json = try fixture.home.cli.run(["show", ids[0], "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        #expect(object["branch"] as? String == "agent-turbo/\(ids[0])")
        #expect(object["files_changed"] as? Int == 1)
        #expect(object["lines_added"] as? Int == 1)
        #expect(object["lines_removed"] as? Int == 0)
        #expect(object["worktree"] as? Bool == true)
        #expect(object["repo"] as? String == fixture.repo.path)
        let log = try fixture.home.cli.run(["logs", ids[0]]).stdout
        #expect(log.contains("made branch agent-turbo/\(ids[0])"))
        #expect(log.contains("committed the changes"))
        try await store.close()
    }

    @Test("A retry continues on the task's branch: each attempt's edit is on it")
    func retryContinues() async throws {
        let fixture = try WorktreeHome()
        defer { fixture.remove() }
        let id = try fixture.submit("write=notes.txt exit=1", ["--retries", "1"])
        let worker = try fixture.worker(["--retry-base", "0s"])
        let store = try await fixture.home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 120)
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .failed)
        #expect(task.attempt == 2)
        let notes = try #require(fixture.repo.file("notes.txt", at: "agent-turbo/\(id)"))
        let added = notes.split(separator: "\n").dropFirst().map(String.init)
        #expect(added.count == 2, "\(added)")
        #expect(added.first?.hasPrefix("\(id) attempt 1 ") == true, "\(added)")
        #expect(added.last?.hasPrefix("\(id) attempt 2 ") == true, "\(added)")
        #expect(task.workspace?.linesAdded == 2)
        #expect(try fixture.repo.git(["rev-list", "--count", "main..agent-turbo/\(id)"]) == "2")
        try await store.close()
    }

    @Test("A repository this host lacks fails the task at once, naming the host, with no retry")
    func missingRepository() async throws {
        let fixture = try WorktreeHome()
        defer { fixture.remove() }
        let gone = fixture.home.directory.file("gone")
        try FileManager.default.createDirectory(atPath: gone, withIntermediateDirectories: true)
        let id = try fixture.home.submit("hello", ["--repo", gone, "--worktree", "--retries", "3"])
        try FileManager.default.removeItem(atPath: gone)
        let worker = try fixture.worker()
        let store = try await fixture.home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 60)
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .failed)
        #expect(task.errorKind == .invalidTask)
        #expect(task.attempt == 1)
        #expect(task.error?.contains("does not exist on \(ProcessInfo.processInfo.hostName)") == true, "\(task.error ?? "")")
        try await store.close()
    }

    @Test("The setup copies files in and runs its command in the worktree before the agent; its output is in the task's log")
    func setupCommand() async throws {
        let fixture = try WorktreeHome(worktrees: { repo in
            """
            {"repositories": {"\(repo.path)": {"copy": [".env"], "setup": ["sh", "-c", "echo setting up $AGENT_TURBO_BRANCH; cat .env; echo made > setup-made.txt; echo to stderr >&2"], "setup_timeout": "60s"}}}
            """
        })
        defer { fixture.remove() }
        try fixture.repo.write(".env", "SECRET_FROM_ENV=42\n")
        let id = try fixture.submit("write=notes.txt result=agent-done")
        let worker = try fixture.worker()
        let store = try await fixture.home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 120)
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(task.status == .completed, "\(task.error ?? "")")
        #expect(task.result == "agent-done", "the result is the agent's, not the setup's")
        let log = try fixture.home.cli.run(["logs", id]).stdout
        #expect(log.contains("setting up agent-turbo/\(id)"))
        #expect(log.contains("SECRET_FROM_ENV=42"))
        #expect(log.contains("to stderr"))
        #expect(log.contains("setup finished"))
        let branch = "agent-turbo/\(id)"
        #expect(fixture.repo.file(".env", at: branch) == nil, "copied files are never committed")
        #expect(fixture.repo.file("setup-made.txt", at: branch) == "made")
        #expect(task.workspace?.filesChanged == 2)
        try await store.close()
    }

    @Test("A setup command that fails or outlives its timeout fails the attempt (retried), its process group stopped")
    func setupFailures() async throws {
        let other = try GitFixture()
        defer { other.remove() }
        let fixture = try WorktreeHome(worktrees: { repo in
            """
            {"repositories": {"\(repo.path)": {"setup": ["sh", "-c", "echo failing; exit 3"]},
                              "\(other.path)": {"setup": ["sh", "-c", "sleep 300 & echo $! > \(other.directory.file("child.pid")); wait"], "setup_timeout": "2s"}}}
            """
        })
        defer { fixture.remove() }
        let failing = try fixture.submit("hello", ["--retries", "1"])
        let slow = try fixture.submit("hello", ["--retries", "0"], repo: other.path)
        let worker = try fixture.worker(["--retry-base", "0s", "--kill-grace", "1s"])
        let store = try await fixture.home.store()
        let failed = try await store.waitForStatus(failing, [.failed, .completed], timeout: 120)
        let timedOut = try await store.waitForStatus(slow, [.failed, .completed], timeout: 120)
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(failed.status == .failed)
        #expect(failed.errorKind == .workspaceFailed)
        #expect(failed.attempt == 2, "a setup failure is retried")
        #expect(failed.error?.contains("exited with status 3") == true, "\(failed.error ?? "")")
        #expect(try fixture.home.cli.run(["logs", failing]).stdout.contains("failing"))
        #expect(timedOut.status == .failed)
        #expect(timedOut.errorKind == .workspaceFailed)
        #expect(timedOut.error?.contains("timed out after 2 s") == true, "\(timedOut.error ?? "")")
        let child = try #require(Int32(try String(contentsOfFile: other.directory.file("child.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!ProcessTable.isAlive(child), "the setup's child was stopped with it")
        #expect(fixture.worktreeFolders().isEmpty)
        try await store.close()
    }

    @Test("A cancel request stops a running setup command at once; the drain puts a task whose setup runs back in the queue")
    func setupStopped() async throws {
        let fixture = try WorktreeHome(worktrees: { repo in
            #"{"repositories": {"\#(repo.path)": {"setup": ["sh", "-c", "sleep 300 & echo $! > \"$AGENT_TURBO_TASK_ID.pid\"; echo setup started; wait"]}}}"#
        })
        defer { fixture.remove() }
        let store = try await fixture.home.store()
        func sleeperPID(_ id: String) throws -> Int32? {
            for folder in fixture.worktreeFolders() where folder.hasSuffix("/" + id) {
                return Int32((try? String(contentsOfFile: "\(folder)/\(id).pid", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
            }
            return nil
        }
        let cancelled = try fixture.submit("never runs")
        let worker = try fixture.worker(["--shutdown-grace", "1s", "--kill-grace", "1s"])
        var sleeper: Int32?
        try await eventually("the setup runs", timeout: 60) {
            sleeper = try sleeperPID(cancelled)
            return sleeper != nil
        }
        #expect(try fixture.home.cli.run(["cancel", cancelled]).status == 0)
        let stopped = try await store.waitForStatus(cancelled, [.cancelled, .failed, .completed], timeout: 60)
        #expect(stopped.status == .cancelled)
        #expect(!ProcessTable.isAlive(try #require(sleeper)), "the setup's child was stopped")

        let drained = try fixture.submit("never runs either")
        try await eventually("the second setup runs", timeout: 60) {
            sleeper = try sleeperPID(drained)
            return sleeper != nil
        }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        let requeued = try await store.existingTask(drained)
        #expect(requeued.status == .pending)
        #expect(requeued.retryCount == 0, "a drain spends no retry")
        #expect(try await store.actions(for: drained).contains { $0.action == .requeued })
        #expect(!ProcessTable.isAlive(try #require(sleeper)))
        #expect(fixture.worktreeFolders().isEmpty)
        try await store.close()
    }

    @Test("A worker killed mid-run: the next worker on the host saves what the agent wrote, removes the worktree, and the retry continues the branch")
    func killedWorker() async throws {
        // Writes a line naming its attempt, then (the first attempt only) waits to be killed with its worker.
        let script = #"echo \"$0 attempt $AGENT_TURBO_ATTEMPT\" >> notes.txt; if [ \"$AGENT_TURBO_ATTEMPT\" = 1 ]; then sleep 120; fi"#
        let profiles = #"{"editor": {"executable": "/bin/sh", "arguments": ["-c", "\#(script)", "{prompt}"], "style": "plain", "output_format": "text"}}"#
        let fixture = try WorktreeHome(profiles: profiles)
        defer { fixture.remove() }
        let id = try #require(try fixture.home.cli.run(
            ["submit", "edit", "--agent", "editor", "--repo", fixture.repo.path, "--worktree", "--config", fixture.config, "--retries", "1"]
        ).lines.first)
        let first = try fixture.worker(["--lease", "3s", "--worker-id", "first"])
        let store = try await fixture.home.store()
        try await eventually("the first attempt wrote its line", timeout: 60) {
            fixture.worktreeFolders().contains { folder in
                ((try? String(contentsOfFile: folder + "/notes.txt", encoding: .utf8)) ?? "").contains("edit attempt 1")
            }
        }
        first.signal(SIGKILL)
        _ = try await first.wait()
        let second = try fixture.worker(["--lease", "3s", "--worker-id", "second"])
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 120)
        try await eventually("the last worktree was removed", timeout: 60) { fixture.worktreeFolders().isEmpty }
        second.signal(SIGTERM)
        try await second.wait()
        #expect(task.status == .completed, "\(task.error ?? "")")
        #expect(task.attempt == 2)
        let notes = try #require(fixture.repo.file("notes.txt", at: "agent-turbo/\(id)"))
        #expect(notes.contains("edit attempt 1"), "the killed attempt's work was saved: \(notes)")
        #expect(notes.contains("edit attempt 2"), "the retry continued the branch: \(notes)")
        #expect(try fixture.repo.mainState().status.isEmpty)
        try await store.close()
    }

    @Test("A worker killed after its agent ended but before it could record it: the next worker records the outcome with the branch's head and diff, and removes the worktree")
    func adoptedOutcome() async throws {
        let fixture = try WorktreeHome()
        defer { fixture.remove() }
        let id = try fixture.submit("sleep=1 write=notes.txt", ["--retries", "0"])
        let first = try fixture.worker(["--worker-id", "first"])
        let store = try #require(try await fixture.home.store() as? SQLTaskStore)
        try await eventually("the agent started", timeout: 60) { first.agentGroups[id] != nil }
        // Another process holds the write lock: the agent ends and its changes are committed, but its outcome
        // cannot be recorded before the worker is killed.
        let held = Flag()
        let holder = Task {
            try await store.database.write { _ in
                held.set()
                try await Task.sleep(for: .seconds(8))
            }
        }
        try await eventually("the write lock is held") { held.isSet }
        try await eventually("the agent's edit was committed on its branch", timeout: 60) {
            fixture.repo.file("notes.txt", at: "agent-turbo/\(id)")?.contains("\(id) attempt 1") == true
        }
        first.signal(SIGKILL)
        _ = try await first.wait()
        try await holder.value
        #expect(try await store.existingTask(id).status == .running, "not recorded before the kill")
        let second = try fixture.worker(["--worker-id", "second"])
        let task = try await store.waitForStatus(id, [.completed, .failed, .pending], timeout: 60)
        try await eventually("the worktree was removed", timeout: 60) { fixture.worktreeFolders().isEmpty }
        second.signal(SIGTERM)
        try await second.wait()
        #expect(task.status == .completed, "\(task.error ?? "")")
        #expect(task.attempt == 1, "the adopted outcome spared a run")
        #expect(task.workspace?.filesChanged == 1)
        #expect(task.workspace?.headCommit == (try fixture.repo.git(["rev-parse", "agent-turbo/\(id)"])))
        try await store.close()
    }

    @Test("Worktrees kept for a retention time are counted in stats with the disk they take")
    func keptAndCounted() async throws {
        let fixture = try WorktreeHome(worktrees: { _ in #"{"retention": "1h"}"# })
        defer { fixture.remove() }
        let id = try fixture.submit("write=notes.txt")
        let worker = try fixture.worker(["--lease", "4s"])
        let store = try await fixture.home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed], timeout: 60)
        #expect(task.status == .completed)
        try await eventually("stats count the kept worktree", timeout: 60) {
            let stats = try await store.stats()
            return stats.worktrees == 1 && stats.worktreeBytes > 10_000
        }
        #expect(fixture.worktreeFolders().count == 1)
        let text = try fixture.home.cli.run(["stats"]).stdout
        #expect(text.contains("1 task worktree on their hosts"), "\(text)")
        worker.signal(SIGTERM)
        try await worker.wait()
        #expect(fixture.worktreeFolders().count == 1, "kept until its retention time, even after the worker stopped")
        try await store.close()
    }
}
