import AgentTurboCore
import Foundation
import Testing

@Suite("Task input: repo, worktree and base")
struct WorkspaceInputTests {
    func parse(_ line: String, template: NewTask? = nil) throws -> NewTask {
        try TaskLines.parse(Data(line.utf8), source: "tasks.jsonl", template: template, relativeTo: "/home/me/work")[0]
    }

    func refusal(_ line: String, template: NewTask? = nil) -> String? {
        do {
            _ = try parse(line, template: template)
            return nil
        } catch {
            return (error as? InputError)?.message ?? "\(error)"
        }
    }

    @Test("A JSON line asks for a worktree of a repository, from a base; a relative repo is resolved like working_dir")
    func jsonLine() throws {
        let task = try parse(#"{"prompt": "fix it", "repo": "../app", "worktree": true, "base": "release/2.0"}"#)
        #expect(task.repo == "/home/me/app")
        #expect(task.worktree)
        #expect(task.base == "release/2.0")
        #expect(task.workingDir == nil)
    }

    @Test("The command line's working folder does not apply to a worktree task; its repo, worktree and base fill lines that leave them out")
    func template() throws {
        let cwdTemplate = NewTask(taskDescription: "", workingDir: "/home/me/work")
        let task = try parse(#"{"prompt": "x", "repo": "/srv/app", "worktree": true}"#, template: cwdTemplate)
        #expect(task.workingDir == nil)
        let repoTemplate = NewTask(taskDescription: "", repo: "/srv/app", worktree: true, base: "main")
        let inherited = try parse(#"{"prompt": "y"}"#, template: repoTemplate)
        #expect(inherited.repo == "/srv/app")
        #expect(inherited.worktree)
        #expect(inherited.base == "main")
    }

    @Test("Half a request, a base that is not a ref, or a working_dir beside a repo is refused with what to do", arguments: [
        (#"{"prompt": "x", "worktree": true}"#, "give --repo PATH"),
        (#"{"prompt": "x", "repo": "/srv/app"}"#, "add --worktree"),
        (#"{"prompt": "x", "base": "main"}"#, "base is given without worktree"),
        (#"{"prompt": "x", "repo": "/srv/app", "worktree": true, "working_dir": "/tmp"}"#, "either working_dir or repo"),
        (#"{"prompt": "x", "repo": "/srv/app", "worktree": true, "base": "-D"}"#, "not starting with '-'"),
        (#"{"prompt": "x", "repo": "/srv/app", "worktree": true, "base": "a b"}"#, "no spaces"),
        (#"{"prompt": "x", "repo": "/srv/app", "worktree": true, "base": ""}"#, "is not a git ref"),
        (#"{"prompt": "x", "repo": "", "worktree": true}"#, "give --repo PATH"),
        (#"{"prompt": "x", "repo": "/srv/app", "worktree": "yes"}"#, "'worktree' should be true or false"),
        // Bounds count code points and look at the first byte, as the OpenAPI document does: a combining mark
        // neither hides a leading "-" nor shortens a name.
        (#"{"prompt": "x", "repo": "/srv/app", "worktree": true, "base": "-\u0301x"}"#, "not starting with '-'"),
        ("{\"prompt\": \"x\", \"repo\": \"/srv/app\", \"worktree\": true, \"base\": \"a\(String(repeating: "e\\u0301", count: 128))\"}", "is not a git ref"),
        ("{\"prompt\": \"x\", \"repo\": \"/\(String(repeating: "e\\u0301", count: 2048))\", \"worktree\": true}", "must be an absolute path"),
    ])
    func refused(line: String, says: String) {
        let message = refusal(line)
        #expect(message?.contains(says) == true, "\(line): \(message ?? "accepted")")
        #expect(message?.hasPrefix("tasks.jsonl line 1: ") == true)
    }
}
