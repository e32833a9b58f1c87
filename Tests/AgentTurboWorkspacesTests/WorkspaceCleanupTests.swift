import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboWorkspaces

@Suite("Workspaces: many at once, kept, swept, and never losing work")
struct WorkspaceCleanupTests {
    @Test("Sixteen tasks start at once in one repository and each edit the same file: sixteen branches, each with its own edit")
    func sixteenAtOnce() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let before = try fixture.repo.mainState()
        let workspaces = fixture.workspaces
        let ids = (1...16).map { "t16-\($0)" }
        let reports = try await withThrowingTaskGroup(of: (String, WorkspaceReport).self) { group in
            for id in ids {
                group.addTask {
                    let workspace = try await workspaces.prepare(fixture.request(id))
                    try "first line\nedit by \(id)\n".write(toFile: workspace.path + "/notes.txt", atomically: true, encoding: .utf8)
                    let (report, _) = try await workspace.conclude(commitMessage: "edit by \(id)")
                    await workspace.release()
                    return (id, report)
                }
            }
            var reports: [String: WorkspaceReport] = [:]
            for try await (id, report) in group {
                reports[id] = report
            }
            return reports
        }
        #expect(reports.count == 16)
        let branches = try fixture.repo.branches()
        for id in ids {
            #expect(branches.contains("agent-turbo/\(id)"))
            #expect(fixture.repo.file("notes.txt", at: "agent-turbo/\(id)") == "first line\nedit by \(id)")
            #expect(reports[id]?.filesChanged == 1)
            #expect(reports[id]?.linesAdded == 1)
        }
        let after = try fixture.repo.mainState()
        #expect(after.status.isEmpty, "the main checkout is untouched")
        #expect(after.head == before.head)
        #expect(fixture.worktreeFolders().isEmpty, "no worktree folder is left behind")
        #expect(try fixture.repo.git(["worktree", "list"]).split(separator: "\n").count == 1)
    }

    @Test("after_run leave: changes stay uncommitted and are counted; the worktree is kept, then saved and removed by a sweep after the retention time")
    func leaveThenSweep() async throws {
        var fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        fixture.settings.afterRun = .leave
        fixture.settings.retentionSeconds = 3600
        let workspace = try await fixture.prepare("t-leave")
        try fixture.repo.write("notes.txt", "rewritten\n", in: workspace.path)
        try fixture.repo.write("untracked.txt", "new\n", in: workspace.path)
        let (report, _) = try await workspace.conclude(commitMessage: "unused")
        #expect(report.filesChanged == 2)
        #expect(report.linesAdded == 2)
        #expect(report.linesRemoved == 1)
        #expect(report.headCommit == report.baseCommit, "nothing committed")
        #expect(try !GitFixture.git(in: workspace.path, ["status", "--porcelain"]).isEmpty)
        let note = await workspace.release()
        #expect(note.contains("kept until"))
        #expect(FileManager.default.fileExists(atPath: workspace.path))

        let early = await fixture.workspaces.sweep(now: Date())
        #expect(early.removed.isEmpty)
        #expect(early.usage.count == 1)
        #expect(early.usage.bytes > 0)
        let late = await fixture.workspaces.sweep(now: Date().addingTimeInterval(7200))
        #expect(late.removed.count == 1, "\(late.problems)")
        #expect(late.usage.count == 0)
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
        #expect(fixture.repo.file("notes.txt", at: "agent-turbo/t-leave") == "rewritten")
        #expect(fixture.repo.file("untracked.txt", at: "agent-turbo/t-leave") == "new")
        #expect(try fixture.repo.git(["log", "-1", "--format=%an", "agent-turbo/t-leave"]) == "Fixture")
    }

    @Test("A worktree whose worker died mid-run is saved and removed by the next sweep; one still held is left alone")
    func deadWorkerSweep() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        var dead: TaskWorkspace? = try await fixture.prepare("t-dead")
        let deadPath = dead!.path
        try fixture.repo.write("half-done.txt", "partial\n", in: deadPath)
        let live = try await fixture.prepare("t-live")
        try fixture.repo.write("busy.txt", "working\n", in: live.path)

        let whileHeld = await fixture.workspaces.sweep()
        #expect(whileHeld.removed.isEmpty, "both are held")
        dead = nil  // the worker is gone: the kernel drops its lock
        let result = await fixture.workspaces.sweep()
        #expect(result.removed.count == 1, "\(result.problems)")
        #expect(!FileManager.default.fileExists(atPath: deadPath))
        #expect(fixture.repo.file("half-done.txt", at: "agent-turbo/t-dead") == "partial", "what the dead attempt wrote is on its branch")
        #expect(FileManager.default.fileExists(atPath: live.path + "/busy.txt"))
        #expect(result.usage.count == 1)
        await live.release()
    }

    @Test("A lock that still looks held just after its attempt let go (a process being started has a copy) does not keep the sweep from the worktree",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd")))
    func lockCopyHeldForAMoment() async throws {
        var fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        fixture.settings.afterRun = .leave
        fixture.settings.retentionSeconds = 60
        let workspace = try await fixture.prepare("t-copy")
        try fixture.repo.write("notes.txt", "edited\n", in: workspace.path)
        // What a child between fork and exec holds: another descriptor of the same open lock.
        let copy = try #require(openDescriptor(of: workspace.lock.path).map { dup($0) })
        _ = try await workspace.conclude(commitMessage: "unused")
        await workspace.release()
        let exec = Task {
            try? await Task.sleep(for: .milliseconds(10))
            close(copy)
        }
        let result = await fixture.workspaces.sweep(now: Date().addingTimeInterval(120))
        await exec.value
        #expect(result.removed.count == 1, "\(result.problems)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
        #expect(fixture.repo.file("notes.txt", at: "agent-turbo/t-copy") == "edited")
    }

    @Test("Files copied in by the setup are never committed, and do not stop the removal")
    func copiedFiles() async throws {
        var fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        try fixture.repo.write(".env", "SECRET=1\n")
        try fixture.repo.write("config/local.yml", "db: here\n")
        fixture.settings.repositories[fixture.repo.path] = RepositorySetup(copy: [".env", "config/local.yml"])
        let workspace = try await fixture.prepare("t-copy")
        #expect(FileManager.default.contents(atPath: workspace.path + "/.env") == Data("SECRET=1\n".utf8))
        #expect(FileManager.default.contents(atPath: workspace.path + "/config/local.yml") == Data("db: here\n".utf8))
        try fixture.repo.write("notes.txt", "edited\n", in: workspace.path)
        let (report, _) = try await workspace.conclude(commitMessage: "edit")
        #expect(report.filesChanged == 1)
        await workspace.release()
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
        #expect(fixture.repo.file(".env", at: "agent-turbo/t-copy") == nil)
        #expect(fixture.repo.file("config/local.yml", at: "agent-turbo/t-copy") == nil)

        fixture.settings.repositories[fixture.repo.path] = RepositorySetup(copy: ["missing.env"])
        let code = await workspaceErrorCode { _ = try await fixture.prepare("t-missing") }
        #expect(code == .copyFailed)
    }

    @Test("An agent that leaves HEAD off the task's branch: nothing committed, the worktree kept by every cleanup")
    func detachedHeadKept() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let workspace = try await fixture.prepare("t-detach")
        try GitFixture.git(in: workspace.path, ["checkout", "--quiet", "--detach"])
        try fixture.repo.write("orphan.txt", "x\n", in: workspace.path)
        try GitFixture.git(in: workspace.path, ["add", "orphan.txt"])
        try GitFixture.git(in: workspace.path, ["commit", "--quiet", "-m", "detached work"])
        let (_, note) = try await workspace.conclude(commitMessage: "unused")
        #expect(note.contains("detached HEAD"))
        let released = await workspace.release()
        #expect(released.contains("kept"))
        let swept = await fixture.workspaces.sweep(now: Date().addingTimeInterval(86400 * 30))
        #expect(swept.removed.isEmpty)
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/orphan.txt"))
        let retry = await workspaceErrorCode { _ = try await fixture.prepare("t-detach", attempt: 2) }
        #expect(retry == .busy, "a retry does not run over the kept worktree")
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/orphan.txt"))
    }

    @Test("A task naming a subfolder of a checkout starts in that subfolder of its worktree")
    func subfolder() async throws {
        let fixture = try WorkspaceFixture(files: ["packages/app/main.txt": "app\n", "README.md": "r\n"])
        defer { fixture.remove() }
        let workspace = try await fixture.workspaces.prepare(fixture.request("t-sub", repo: fixture.repo.path + "/packages/app"))
        #expect(workspace.workingDirectory == workspace.path + "/packages/app")
        #expect(FileManager.default.fileExists(atPath: workspace.workingDirectory + "/main.txt"))
        await workspace.release()
    }

    @Test("A bare repository works as well")
    func bareRepository() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let bare = fixture.repo.directory.file("bare.git")
        try GitFixture.git(in: fixture.repo.directory.path, ["clone", "--quiet", "--bare", fixture.repo.path, bare])
        let workspace = try await fixture.workspaces.prepare(fixture.request("t-bare", repo: bare))
        try fixture.repo.write("notes.txt", "bare edit\n", in: workspace.path)
        let (report, _) = try await workspace.conclude(commitMessage: "bare")
        await workspace.release()
        #expect(report.filesChanged == 1)
        #expect(try GitFixture.git(in: bare, ["show", "agent-turbo/t-bare:notes.txt"]) == "bare edit")
    }
}

@Suite("Workspaces: locks and git itself")
struct WorkspaceLockTests {
    @Test("Adding a worktree waits while another process holds the repository's lock, and goes ahead once it is free")
    func repositoryLock() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let held = try await fixture.holdRepositoryLock()
        let workspaces = fixture.workspaces
        let request = fixture.request("t-wait")
        let preparing = Task { try await workspaces.prepare(request) }
        try await Task.sleep(for: .seconds(1))
        #expect(fixture.worktreeFolders().isEmpty, "no worktree was added under someone else's lock")
        held.release()
        let workspace = try await preparing.value
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/notes.txt"))
        await workspace.release()
    }

    @Test("Listing worktrees waits for another process's half-written worktree entry instead of failing on it")
    func listingWaitsForAnAdd() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let repository = try await fixture.repository()
        // What `git worktree add` in another process leaves for a moment: an entry whose commondir is still
        // empty, which makes `git worktree list` fail outright. That process holds the repository's lock.
        let held = try await fixture.holdRepositoryLock()
        let entry = repository.commonDirectory + "/worktrees/half"
        let folder = fixture.repo.directory.file("half")
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "\(folder)/.git\n".write(toFile: entry + "/gitdir", atomically: true, encoding: .utf8)
        try "gitdir: \(entry)\n".write(toFile: folder + "/.git", atomically: true, encoding: .utf8)
        try "".write(toFile: entry + "/commondir", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self, "git itself fails on the half-written entry") {
            try fixture.repo.git(["worktree", "list", "--porcelain"])
        }
        let listing = Task { try await repository.worktrees() }
        // Time for a listing that ignored the lock to meet the entry (the check below holds either way).
        try await Task.sleep(for: .milliseconds(500))
        try FileManager.default.removeItem(atPath: entry)
        try FileManager.default.removeItem(atPath: folder)
        held.release()
        let entries = try await listing.value
        #expect(entries.map(\.path) == [fixture.repo.path])
    }

    @Test("Cancelled tasks waiting for a lock keep sleeping between tries, so the holder still gets a thread to let go")
    func cancelledWaitersDoNotStarveTheHolder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("busy.lock")
        let held = try #require(try FileLock.tryAcquire(path))
        // More waiters than the pool has threads, all cancelled. A wait that returned at once when cancelled
        // would spin on every thread until it gave up, so the holder could release only after most waiters had
        // failed (and the test would take their 10 s in turns instead of a moment).
        let count = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
        let waiters = (0..<count).map { _ in
            Task { () -> Bool in
                withUnsafeCurrentTask { $0?.cancel() }
                guard let lock = try? await FileLock.acquire(path, wait: .seconds(10), what: "the test lock") else { return false }
                lock.release()
                return true
            }
        }
        let holder = Task {
            try? await Task.sleep(for: .milliseconds(200))
            held.release()
        }
        await holder.value
        var acquired = 0
        for waiter in waiters where await waiter.value {
            acquired += 1
        }
        #expect(acquired == count, "every waiter took the lock once its holder let go")
    }

    @Test("A second attempt of the same task waits for the first to let go of the worktree")
    func taskLock() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let first = try await fixture.prepare("t-twice")
        try fixture.repo.write("first.txt", "1\n", in: first.path)
        let workspaces = fixture.workspaces
        let request = fixture.request("t-twice", attempt: 2)
        let second = Task { try await workspaces.prepare(request) }
        try await Task.sleep(for: .seconds(1))
        _ = try await first.conclude(commitMessage: "first")
        await first.release()
        let taken = try await second.value
        #expect(FileManager.default.fileExists(atPath: taken.path + "/first.txt"), "the second attempt continues the first's branch")
        await taken.release()
    }

    @Test("Without git on PATH, a worktree task fails with a sentence saying so")
    func gitMissing() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let workspaces = Workspaces(settings: fixture.settings, environment: ["PATH": "/nonexistent"], host: "h")
        var caught: WorkspaceError?
        do {
            _ = try await workspaces.prepare(fixture.request("t-nogit"))
        } catch {
            caught = error
        }
        #expect(caught?.code == .gitMissing)
        #expect(caught?.message.contains("install git") == true)
    }

    @Test("A git command past its deadline is killed, group and all")
    func gitTimeout() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        // A command that never returns, through a shell alias (which runs in git's process group).
        try fixture.repo.git(["config", "alias.hang", "!sleep 600"])
        let git = try GitCommand(environment: ProcessInfo.processInfo.environment, timeout: .seconds(1))
        let output = try await git.run(in: fixture.repo.path, ["hang"])
        #expect(output.timedOut)
        #expect(!output.succeeded)
    }
}

/// This process's descriptor open on `path`, if any.
private func openDescriptor(of path: String) -> CInt? {
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
        if let fd = CInt(entry), (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) == path {
            return fd
        }
    }
    return nil
}
