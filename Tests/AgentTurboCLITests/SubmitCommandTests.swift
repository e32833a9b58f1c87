import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// Decodes `--json` output the way a script would.
func decodeJSON<T: Decodable>(_ type: T.Type, _ result: CLIRunner.Result) throws -> T {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
        }
        return date
    }
    return try decoder.decode(T.self, from: result.stdoutData)
}

@Suite("CLI: submit, list, show")
struct SubmitCommandTests {
    @Test("submit, then list and show the pending task with its audit row")
    func submitListShow() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let submitted = try cli.run(["submit", "Calculate 5 + 7"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let id = try #require(submitted.lines.first)
        #expect(submitted.lines.count == 1)
        #expect(FileManager.default.fileExists(atPath: home.file("turbo.db")))

        let list = try cli.run(["list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains(id))
        #expect(list.stdout.contains("pending"))
        #expect(list.stdout.contains("Calculate 5 + 7"))

        let show = try cli.run(["show", id])
        #expect(show.status == 0)
        #expect(show.stdout.contains("status           pending"))
        #expect(show.stdout.contains("created"))

        let json = try cli.run(["show", id, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        for column in ["task_id", "task_type", "task_description", "task_priority", "status", "timeout_seconds",
                       "max_retries", "retry_count", "assigned_worker_id", "created_at", "started_at", "completed_at",
                       "duration_sec", "result", "error", "agent", "working_dir", "agent_options", "run_after",
                       "lease_expires_at", "cancel_requested", "exit_code", "error_kind", "session_id", "cost_usd",
                       "input_tokens", "output_tokens", "num_turns"] {
            #expect(object.keys.contains(column), "show --json lacks \(column)")
        }
        #expect(object["status"] as? String == "pending")
        #expect(object["working_dir"] as? String == FileManager.default.currentDirectoryPath)
        let actions = try #require(object["actions"] as? [[String: Any]])
        #expect(actions.count == 1)
        #expect(actions.first?["action"] as? String == "created")
        #expect((actions.first?["details"] as? [String: Any])?["by"] as? String == "cli")

        let tasks = try decodeJSON([AgentTask].self, try cli.run(["list", "--json"]))
        #expect(tasks.map(\.taskID) == [id])
    }

    @Test("Global options work before the subcommand as well as after it")
    func globalOptionsFirst() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let other = home.file("other.db")
        let submitted = try cli.run(["--database", other, "--log-level", "warning", "submit", "--id", "g1", "--", "- a list item"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let shown = try cli.run(["--database=\(other)", "show", "g1", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("- a list item"))
        #expect(try cli.run(["show", "g1", "--database", other]).status == 0)
        #expect(try cli.run(["show", "g1"]).status != 0, "the default database did not get the task")
        let holds = try cli.run(["--database", other, "hold", "list", "--json"])
        #expect(holds.status == 0, "a nested subcommand takes them too: \(holds.stderr)")
        #expect(holds.stdout.filter { !$0.isWhitespace } == "[]")
        let misplaced = try cli.run(["--database", other])
        #expect(misplaced.status != 0)
    }

    @Test("submit takes every task option")
    func options() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let result = try cli.run([
            "submit", "Review the diff", "--id", "review-1", "--type", "review", "--priority", "9", "--timeout", "10m",
            "--retries", "1", "--agent", "simulate", "--cwd", home.path, "--model", "claude-opus-4-1", "--max-turns", "4",
            "--allowed-tool", "Read", "--allowed-tool", "Bash(git diff:*)", "--permission-mode", "plan",
            "--append-system-prompt", "Be terse.", "--after", "+2h", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let task = try #require(try decodeJSON([AgentTask].self, result).first)
        #expect(task.taskID == "review-1")
        #expect(task.taskType == "review")
        #expect(task.taskPriority == 9)
        #expect(task.timeoutSeconds == 600)
        #expect(task.maxRetries == 1)
        #expect(task.agent == "simulate")
        #expect(task.workingDir == home.path)
        #expect(task.agentOptions.model == "claude-opus-4-1")
        #expect(task.agentOptions.maxTurns == 4)
        #expect(task.agentOptions.allowedTools == ["Read", "Bash(git diff:*)"])
        #expect(task.agentOptions.permissionMode == "plan")
        #expect(task.agentOptions.appendSystemPrompt == "Be terse.")
        #expect(abs(task.runAfter.timeIntervalSinceNow - 7200) < 60)
        let stats = try cli.run(["stats", "--json"])
        #expect(try decodeJSON(QueueStats.self, stats).delayed == 1)
    }

    @Test("10,000 tasks from a JSON lines file land in one transaction")
    func tenThousandFromFile() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        var lines = ["# a comment line, and a blank line follow", ""]
        for index in 1...10_000 {
            lines.append(#"{"task_id": "bulk-\#(index)", "task_description": "Task \#(index)", "task_priority": \#(index % 10), "agent": "simulate"}"#)
        }
        let file = home.file("tasks.jsonl")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try cli.run(["submit", "--file", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 10_000)
        #expect(result.lines.first == "bulk-1")
        #expect(result.lines.last == "bulk-10000")
        let stats = try decodeJSON(QueueStats.self, try cli.run(["stats", "--json"]))
        #expect(stats.count(.pending) == 10_000)
        let shown = try cli.run(["show", "bulk-777", "--json"])
        #expect(shown.stdout.contains("\"task_priority\" : 7"))
        #expect(shown.stdout.contains("\"action\" : \"created\""))
    }

    @Test("submit --file - reads standard input; options fill what lines leave out")
    func standardInput() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let input = """
            {"prompt": "first", "task_priority": 2}
            {"task_description": "second", "agent": "codex", "working_dir": "sub"}
            """
        let result = try cli.run(["submit", "--file", "-", "--agent", "simulate", "--priority", "7", "--json"], stdin: Data(input.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let tasks = try decodeJSON([AgentTask].self, result)
        #expect(tasks.map(\.taskDescription) == ["first", "second"])
        #expect(tasks.map(\.agent) == ["simulate", "codex"])
        #expect(tasks.map(\.taskPriority) == [2, 7])
        #expect(tasks[1].workingDir == FileManager.default.currentDirectoryPath + "/sub")
    }

    @Test("A prompt that starts with '-' is a prompt: a markdown list, '--help me', and '--version' after '--'")
    func dashPrompts() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        let bullets = "- fix the failing test\n- then run the linter"
        let cases: [(arguments: [String], prompt: String)] = [
            (["submit", bullets, "--agent", "simulate"], bullets),
            (["submit", "--agent", "simulate", "--help me with this", "--json"], "--help me with this"),
            (["submit", "--system-prompt", "be brief", "- a b", "--agent", "simulate"], "- a b"),
            (["submit", "--agent", "simulate", "--", "--version"], "--version"),
        ]
        for (arguments, _) in cases {
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(!result.stdout.contains("USAGE"), "\(arguments) printed help instead of adding a task")
        }
        let tasks = try decodeJSON([AgentTask].self, try cli.run(["list", "--json"]))
        #expect(Set(tasks.map(\.taskDescription)) == Set(cases.map(\.prompt)))
        #expect(tasks.first { $0.taskDescription == "- a b" }?.agentOptions.systemPrompt == "be brief")
    }
}
