import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Claude Code: the real CLI in a task's worktree", .serialized)
struct ClaudeWorktreeTests {
    init() {
        if TestEnvironment.isCI {
            #expect(RealClaude.isAvailable, "CI must run the Claude Code tests: scripts/test.sh installs the CLI")
        }
    }

    /// A repository whose CLAUDE.md carries `marker`; with `allowWrite`, its checked-in project settings let
    /// Claude Code write files without asking (`acceptEdits`) and pick its model.
    func repository(marker: String, allowWrite: Bool) throws -> GitFixture {
        var files = ["CLAUDE.md": "# Project notes\n\nProject rule: \(marker)\n", "README.md": "# app\n"]
        if allowWrite {
            files[".claude/settings.json"] = #"{"model": "claude-sonnet-4-5", "permissions": {"defaultMode": "acceptEdits"}}"# + "\n"
        }
        return try GitFixture(files: files)
    }

    @Test("Claude Code reads CLAUDE.md and the project settings from the worktree, and what it writes is committed on the task's branch", .enabled(if: RealClaude.isAvailable))
    func projectFilesFromTheWorktree() async throws {
        let home = try await ClaudeHome.start()
        defer { Task { await home.stop() } }
        let allowed = try repository(marker: "MARKER-ALLOWED-5521", allowWrite: true)
        defer { allowed.remove() }
        let plain = try repository(marker: "MARKER-PLAIN-8812", allowWrite: false)
        defer { plain.remove() }
        func submit(_ prompt: String, _ repo: GitFixture) throws -> String {
            let result = try home.cli.run(["submit", prompt, "--agent", "claude", "--config", home.config, "--repo", repo.path, "--worktree"])
            return try #require(result.lines.first, "submit failed: \(result.stderr)")
        }
        let writing = try submit("worktree-allowed fake:tool=Write fake:usage=100,10", allowed)
        let refused = try submit("worktree-plain fake:tool=Write fake:usage=100,10", plain)
        let worker = try home.worker(["--concurrency", "2"])
        let store = try await home.store()
        let done = try await store.waitForStatus(writing, [.completed, .failed], timeout: 300)
        let other = try await store.waitForStatus(refused, [.completed, .failed], timeout: 300)
        worker.signal(SIGTERM)
        try await worker.wait()

        #expect(done.status == .completed, "\(done.error ?? "")")
        let branch = try #require(done.workspace?.branch)
        let run = try #require(home.run(forTask: writing))
        let worktree = try #require(run["cwd"]?.first)
        #expect(worktree.hasSuffix("/" + writing), "claude ran in the task's worktree: \(worktree)")
        #expect(worktree != allowed.path)
        let requests = home.requests(containing: "worktree-allowed")
        #expect(requests.first?.allText.contains("MARKER-ALLOWED-5521") == true, "CLAUDE.md reached the model")
        #expect(requests.first?.allText.contains(worktree + "/CLAUDE.md") == true, "read from the worktree, not the main checkout")
        #expect(requests.first?.workingDirectory == worktree)
        #expect(requests.allSatisfy { $0.model == "claude-sonnet-4-5" }, "the model named in the worktree's .claude/settings.json")
        #expect(allowed.file("hello.txt", at: branch) == "hello file", "the project settings allowed Write; its file is on the branch")
        #expect(done.workspace?.filesChanged == 1)
        #expect(try allowed.mainState().status.isEmpty, "the main checkout is untouched")
        #expect(!FileManager.default.fileExists(atPath: worktree), "the worktree was removed after the run")

        #expect(other.status == .completed, "\(other.error ?? "")")
        let plainRequests = home.requests(containing: "worktree-plain")
        #expect(plainRequests.last?.lastUserText.contains("haven't granted") == true, "without the project's settings, Write was refused")
        #expect(plainRequests.allSatisfy { $0.model != "claude-sonnet-4-5" })
        #expect(other.workspace?.filesChanged == 0, "without the project's permission, nothing was written")
        #expect(plain.file("hello.txt", at: "agent-turbo/\(refused)") == nil)
        try await store.close()
    }
}
