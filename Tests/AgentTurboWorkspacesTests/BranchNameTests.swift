import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboWorkspaces

@Suite("Workspaces: names, settings and summaries")
struct BranchNameTests {
    @Test("Every task id makes a branch git accepts, and two ids never share one", arguments: [
        "t01m8j9razzk1wa5vejrf", "mvp_final_1", "a:b", "a..b", ".hidden", "end.", "x.lock", "..", ".", "a...b", "1.2.3",
    ])
    func escaping(id: String) throws {
        let branch = BranchName.make(prefix: BranchName.defaultPrefix, taskID: id)
        let fixture = try GitFixture()
        defer { fixture.remove() }
        #expect((try? fixture.git(["check-ref-format", "--branch", branch])) == branch, "\(branch)")
    }

    @Test("Escaped ids stay distinct")
    func distinct() {
        let ids = ["a:b", "a_b", "a-b", "a..b", "a.b", ".a", "a.", "a.lock", "a"]
        let names = Set(ids.map { BranchName.escape($0) })
        #expect(names.count == ids.count)
    }

    @Test("A bad prefix is refused with a sentence saying what to use", arguments: ["-x/", "/x", "a b/", "a..b/", "x~/", "a//b", ".x/", "x.lock/"])
    func badPrefix(prefix: String) {
        #expect(throws: WorkspaceError.self) { try BranchName.validatePrefix(prefix) }
    }

    @Test("numstat: files, lines added and removed; binary files count as files")
    func numstat() {
        let data = Data("3\t1\ta.txt\0-\t-\timage.png\0010\t0\tdir/b c.txt\0".utf8)
        let summary = DiffSummary(numstat: data)
        #expect(summary == DiffSummary(files: 3, added: 13, removed: 1))
        #expect(DiffSummary(numstat: Data()) == DiffSummary(files: 0, added: 0, removed: 0))
    }

    @Test("The worktrees section of the config file")
    func settings() throws {
        let json = """
            {"profiles": {}, "worktrees": {"root": "/srv/wt", "branch_prefix": "ai/", "after_run": "leave", "retention": "2h",
             "commit_author": "Bot <bot@example.com>",
             "repositories": {"/srv/app": {"copy": [".env"], "setup": ["npm", "ci"], "setup_timeout": "5m"}}}}
            """
        let settings = try WorkspaceSettings.load(configJSON: Data(json.utf8), defaultRoot: "/home/x/worktrees")
        #expect(settings.root == "/srv/wt")
        #expect(settings.branchPrefix == "ai/")
        #expect(settings.afterRun == .leave)
        #expect(settings.retention == 7200)
        #expect(settings.identity == GitIdentity(name: "Bot", email: "bot@example.com"))
        #expect(settings.repositories["/srv/app"] == RepositorySetup(copy: [".env"], setup: ["npm", "ci"], setupTimeoutSeconds: 300))
        let defaults = try WorkspaceSettings.load(configJSON: nil, defaultRoot: "/home/x/worktrees")
        #expect(defaults.root == "/home/x/worktrees")
        #expect(defaults.retention == 0)
        #expect(defaults.afterRun == .commit)

        for (bad, says) in [
            (#"{"worktrees": {"root": "relative"}}"#, "absolute"),
            (#"{"worktrees": {"branch_prefix": "-x"}}"#, "branch_prefix"),
            (#"{"worktrees": {"after_run": "push"}}"#, "after_run"),
            (#"{"worktrees": {"retention": "soon"}}"#, "retention"),
            (#"{"worktrees": {"repositories": {"/r": {"copy": ["../etc/passwd"]}}}}"#, "inside the repository"),
            (#"{"worktrees": {"repositories": {"/r": {"setup": []}}}}"#, "program"),
            (#"{"worktrees": {"repositories": {"r": {}}}}"#, "absolute"),
            (#"{"worktrees": {"rot": "/x"}}"#, "unknown field"),
        ] {
            do {
                _ = try WorkspaceSettings.load(configJSON: Data(bad.utf8), defaultRoot: "/x")
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.message.contains(says), "\(bad): \(error.message)")
            }
        }
    }
}
