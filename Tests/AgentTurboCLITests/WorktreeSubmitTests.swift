import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("CLI: submit --repo --worktree --base")
struct WorktreeSubmitTests {
    @Test("submit --repo --worktree --base stores the request; a relative --repo is resolved; the working folder is not kept")
    func submitted() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let repo = home.file("app")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        var cli = CLIRunner(home: home.path)
        cli.currentDirectory = home.path
        let result = try cli.run(["submit", "fix the bug", "--repo", "app", "--worktree", "--base", "v1.0", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let tasks = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [[String: Any]])
        let task = try #require(tasks.first)
        #expect(task["repo"] as? String == repo)
        #expect(task["worktree"] as? Bool == true)
        #expect(task["base"] as? String == "v1.0")
        #expect(task["working_dir"] is NSNull)
        #expect(task["branch"] is NSNull, "no branch until a worker runs it")
        let shown = try cli.run(["show", task["task_id"] as! String]).stdout
        #expect(shown.contains("repo") && shown.contains(repo))
        #expect(shown.contains("(made when a worker first runs it)"))
    }

    @Test("Half a request, or one that cannot be, is refused with one sentence and adds nothing", arguments: [
        (["--worktree"], "give --repo PATH"),
        (["--repo", "REPO"], "add --worktree"),
        (["--base", "main"], "base is given without worktree"),
        (["--repo", "/no/such/repo", "--worktree"], "--repo '/no/such/repo' is not a directory"),
        (["--repo", "REPO", "--worktree", "--cwd", "REPO"], "either --cwd or --repo"),
        (["--repo", "REPO", "--worktree", "--base=-D"], "not starting with '-'"),
    ])
    func refused(options: [String], says: String) throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let repo = home.file("app")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        let cli = CLIRunner(home: home.path)
        let result = try cli.run(["submit", "x"] + options.map { $0 == "REPO" ? repo : $0 })
        #expect(result.status != 0)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.contains(says), "\(message)")
        #expect(message.split(separator: "\n").count == 1)
        let listed = try cli.run(["list", "--json"]).stdoutData
        #expect((try JSONSerialization.jsonObject(with: listed) as? [Any])?.isEmpty == true, "nothing was added")
    }
}
