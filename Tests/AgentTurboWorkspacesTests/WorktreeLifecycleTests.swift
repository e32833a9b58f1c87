import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboWorkspaces

@Suite("Workspaces: a worktree and branch per task, saved and removed")
struct WorktreeLifecycleTests {
    @Test("A worktree on the task's branch; the agent's edit committed there; the folder removed; the main checkout untouched")
    func commitAndRemove() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let before = try fixture.repo.mainState()
        let workspace = try await fixture.prepare("t-edit")
        #expect(workspace.branch == "agent-turbo/t-edit")
        #expect(workspace.baseCommit == before.head)
        #expect(try GitFixture.git(in: workspace.path, ["symbolic-ref", "--short", "HEAD"]) == "agent-turbo/t-edit")
        #expect(FileManager.default.contents(atPath: workspace.path + "/notes.txt") == Data("first line\n".utf8))

        try fixture.repo.write("notes.txt", "first line\nsecond line\n", in: workspace.path)
        try fixture.repo.write("new/file.txt", "a\nb\nc\n", in: workspace.path)
        let (report, note) = try await workspace.conclude(commitMessage: "agent-turbo: edit \"quotes\" $(rm -rf /) ; done")
        #expect(note.contains("committed"))
        #expect(report.branch == "agent-turbo/t-edit")
        #expect(report.filesChanged == 2)
        #expect(report.linesAdded == 4)
        #expect(report.linesRemoved == 0)
        #expect(report.headCommit != before.head)
        #expect(report.headCommit == (try fixture.repo.git(["rev-parse", "agent-turbo/t-edit"])))
        #expect(try fixture.repo.git(["log", "-1", "--format=%s", "agent-turbo/t-edit"]) == "agent-turbo: edit \"quotes\" $(rm -rf /) ; done")
        #expect(try fixture.repo.git(["log", "-1", "--format=%an <%ae>", "agent-turbo/t-edit"]) == "Fixture <fixture@example.invalid>", "the repository's identity")

        let released = await workspace.release()
        #expect(released.contains("removed the worktree"), "\(released)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
        #expect(fixture.worktreeFolders().isEmpty)
        #expect(try fixture.repo.git(["worktree", "list", "--porcelain"]).components(separatedBy: "worktree ").count == 2, "only the main checkout")
        #expect(fixture.repo.file("notes.txt", at: "agent-turbo/t-edit") == "first line\nsecond line")
        let after = try fixture.repo.mainState()
        #expect(after.status.isEmpty)
        #expect(after.head == before.head)
        #expect(after.branch == "main")
    }

    @Test("A run that changes nothing leaves no branch behind; a branch with commits is kept")
    func emptyBranchDeleted() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let idle = try await fixture.prepare("t-idle")
        let (report, _) = try await idle.conclude(commitMessage: "nothing")
        #expect(report.filesChanged == 0)
        #expect(report.headCommit == report.baseCommit)
        let note = await idle.release()
        #expect(note.contains("deleted"), "\(note)")
        #expect(try !fixture.repo.branches().contains("agent-turbo/t-idle"))

        let busy = try await fixture.prepare("t-busy")
        try fixture.repo.write("notes.txt", "changed\n", in: busy.path)
        _ = try await busy.conclude(commitMessage: "change")
        await busy.release()
        #expect(try fixture.repo.branches().contains("agent-turbo/t-busy"))
        #expect(await fixture.workspaces.sweep(now: Date().addingTimeInterval(86400 * 365)).removed.isEmpty)
        #expect(try fixture.repo.branches().contains("agent-turbo/t-busy"), "no sweep deletes a branch with commits of its own")
    }

    @Test("A retry continues on the branch: its worktree starts at the last attempt's commit, the summary counts from the first base")
    func retryContinues() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let first = try await fixture.prepare("t-retry")
        try fixture.repo.write("one.txt", "1\n", in: first.path)
        let (firstReport, _) = try await first.conclude(commitMessage: "attempt 1")
        await first.release()
        // Meanwhile main moves on: the retry still continues the task's branch, from its own base.
        try fixture.repo.write("README.md", "# moved on\n")
        try fixture.repo.git(["commit", "--quiet", "-am", "main moves"])

        let second = try await fixture.prepare("t-retry", attempt: 2, recorded: firstReport)
        #expect(second.notes.contains { $0.contains("continuing on branch") })
        #expect(FileManager.default.fileExists(atPath: second.path + "/one.txt"))
        #expect(second.baseCommit == firstReport.baseCommit)
        try fixture.repo.write("two.txt", "2\n2\n", in: second.path)
        let (secondReport, _) = try await second.conclude(commitMessage: "attempt 2")
        await second.release()
        #expect(secondReport.filesChanged == 2)
        #expect(secondReport.linesAdded == 3)
        #expect(try fixture.repo.git(["rev-list", "--count", "\(firstReport.baseCommit!)..agent-turbo/t-retry"]) == "2")
    }

    @Test("A retry on a host whose repository lacks the branch starts from the recorded commit if it has it, else from the base")
    func retryElsewhere() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let first = try await fixture.prepare("t-moved")
        try fixture.repo.write("work.txt", "done\n", in: first.path)
        let (report, _) = try await first.conclude(commitMessage: "work")
        await first.release()
        // The branch is gone from this host (as on another host), but its commit is still in the object store.
        try fixture.repo.git(["branch", "-D", "agent-turbo/t-moved"])
        let again = try await fixture.prepare("t-moved", attempt: 2, recorded: report)
        #expect(try GitFixture.git(in: again.path, ["rev-parse", "HEAD"]) == report.headCommit)
        #expect(again.baseCommit == report.baseCommit)
        await again.release()

        var lost = report
        lost.branch = "agent-turbo/t-lost"
        lost.headCommit = String(repeating: "ab", count: 20)
        let fresh = try await fixture.prepare("t-lost", attempt: 3, recorded: lost)
        #expect(fresh.notes.contains { $0.contains("is not in this host's repository") })
        #expect(try GitFixture.git(in: fresh.path, ["rev-parse", "HEAD"]) == report.baseCommit)
        await fresh.release()
    }

    @Test("The base can be a branch, tag or commit; one that names nothing fails at once")
    func bases() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let first = try fixture.repo.git(["rev-parse", "HEAD"])
        try fixture.repo.git(["tag", "v1"])
        try fixture.repo.write("later.txt", "later\n")
        try fixture.repo.git(["add", "later.txt"])
        try fixture.repo.git(["commit", "--quiet", "-m", "later"])
        let tagged = try await fixture.prepare("t-tag", base: "v1")
        #expect(tagged.baseCommit == first)
        #expect(!FileManager.default.fileExists(atPath: tagged.path + "/later.txt"))
        await tagged.release()
        let code = await workspaceErrorCode { _ = try await fixture.prepare("t-nobase", base: "no-such-branch") }
        #expect(code == .baseNotFound)
        let option = await workspaceErrorCode { _ = try await fixture.prepare("t-option", base: "--output=/tmp/x") }
        #expect(option == .baseNotFound, "a base that looks like an option is only a name that is not found")
        #expect(try !fixture.repo.branches().contains("agent-turbo/t-nobase"))
    }

    @Test("A repository the host lacks, or a folder that is no repository, is a permanent error naming the host")
    func missingRepository() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        var error: WorkspaceError?
        do {
            _ = try await fixture.workspaces.prepare(fixture.request("t-x", repo: "/nonexistent/repo"))
        } catch let caught {
            error = caught
        }
        #expect(error?.code == .repositoryMissing)
        #expect(error?.isPermanent == true)
        #expect(error?.message.contains("test-host") == true)
        let plain = fixture.repo.directory.file("plain")
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        let code = await workspaceErrorCode { _ = try await fixture.workspaces.prepare(fixture.request("t-y", repo: plain)) }
        #expect(code == .repositoryMissing)
    }

    @Test("A first attempt never takes over a branch that exists already")
    func branchTaken() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        try fixture.repo.git(["branch", "agent-turbo/t-taken"])
        try fixture.repo.git(["commit", "--quiet", "--allow-empty", "-m", "someone's"])
        let code = await workspaceErrorCode { _ = try await fixture.prepare("t-taken") }
        #expect(code == .branchTaken)
        #expect(fixture.worktreeFolders().isEmpty)
    }
}

@Suite("Workspaces: the repository's own settings do not get in the way")
struct RepositorySettingsTests {
    @Test("A failing pre-commit hook and a post-checkout hook never run for agent-turbo's git commands")
    func hooksOff() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let hooks = try fixture.repo.git(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        let witness = fixture.repo.directory.file("hook-ran")
        for hook in ["pre-commit", "post-checkout", "post-commit"] {
            try "#!/bin/sh\ntouch \(witness)\nexit 1\n".write(toFile: hooks + "/" + hook, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hooks + "/" + hook)
        }
        let workspace = try await fixture.prepare("t-hooks")
        try fixture.repo.write("notes.txt", "hooked\n", in: workspace.path)
        let (report, _) = try await workspace.conclude(commitMessage: "through hooks")
        await workspace.release()
        #expect(report.filesChanged == 1)
        #expect(fixture.repo.file("notes.txt", at: "agent-turbo/t-hooks") == "hooked")
        #expect(!FileManager.default.fileExists(atPath: witness))
    }

    @Test("A host where git knows no identity commits as the configured author")
    func noIdentity() async throws {
        var fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        try fixture.repo.git(["config", "--unset", "user.name"])
        try fixture.repo.git(["config", "--unset", "user.email"])
        fixture.settings.identity = GitIdentity(name: "Worker Bot", email: "bot@example.invalid")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = fixture.repo.directory.file("empty-home")
        environment["XDG_CONFIG_HOME"] = fixture.repo.directory.file("empty-home")
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        for name in ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"] {
            environment.removeValue(forKey: name)
        }
        let workspaces = Workspaces(settings: fixture.settings, environment: environment, host: "h")
        let workspace = try await workspaces.prepare(fixture.request("t-who"))
        try fixture.repo.write("notes.txt", "anonymous\n", in: workspace.path)
        let (report, _) = try await workspace.conclude(commitMessage: "who")
        await workspace.release()
        #expect(report.filesChanged == 1)
        #expect(try fixture.repo.git(["log", "-1", "--format=%an <%ae>", "agent-turbo/t-who"]) == "Worker Bot <bot@example.invalid>")
    }

    @Test("A retry on the host that kept the last attempt's worktree continues in it, uncommitted changes and all")
    func continuesInKeptWorktree() async throws {
        var fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        fixture.settings.afterRun = .leave
        fixture.settings.retentionSeconds = 3600
        let first = try await fixture.prepare("t-kept")
        try fixture.repo.write("draft.txt", "draft\n", in: first.path)
        let (report, _) = try await first.conclude(commitMessage: "unused")
        await first.release()
        let second = try await fixture.prepare("t-kept", attempt: 2, recorded: report)
        #expect(second.path == first.path)
        #expect(second.notes.contains { $0.contains("continuing in the worktree") })
        #expect(FileManager.default.fileExists(atPath: second.path + "/draft.txt"))
        await second.release()
    }
}

@Suite("Workspaces: hostile paths")
struct HostilePathTests {
    @Test("A repository and a root whose paths hold spaces, quotes and $(...) are only data")
    func hostilePaths() async throws {
        let fixture = try WorkspaceFixture()
        defer { fixture.remove() }
        let odd = fixture.repo.directory.file("my repo $(touch pwned) 'q' \"d\" ;ls")
        try GitFixture.git(in: fixture.repo.directory.path, ["clone", "--quiet", fixture.repo.path, odd])
        try GitFixture.git(in: odd, ["config", "user.name", "Odd"])
        try GitFixture.git(in: odd, ["config", "user.email", "odd@example.invalid"])
        var settings = fixture.settings
        settings.root = fixture.repo.directory.file("work trees $(id) 'x'")
        let workspaces = Workspaces(settings: settings, environment: ProcessInfo.processInfo.environment, host: "h")
        let workspace = try await workspaces.prepare(fixture.request("t:odd..id", repo: odd))
        try "changed\n".write(toFile: workspace.path + "/notes.txt", atomically: true, encoding: .utf8)
        let (report, _) = try await workspace.conclude(commitMessage: "$(touch pwned2)")
        await workspace.release()
        #expect(report.filesChanged == 1)
        #expect(report.branch == "agent-turbo/t%3Aodd.%2Eid")
        #expect(try GitFixture.git(in: odd, ["show", "\(report.branch):notes.txt"]) == "changed")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.repo.directory.path)
        #expect(!leftovers.contains("pwned") && !leftovers.contains("pwned2"))
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/pwned"))
    }
}
