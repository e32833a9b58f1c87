import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// One user mistake: the arguments, standard input, and words the error must contain.
struct Mistake: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var stdin: String?
    var expected: [String]

    var testDescription: String { arguments.joined(separator: " ") }

    static let all: [Mistake] = [
        Mistake(arguments: ["submit", ""], expected: ["prompt", "empty"]),
        Mistake(arguments: ["submit", "   "], expected: ["prompt", "empty"]),
        Mistake(arguments: ["submit"], expected: ["give a prompt"]),
        Mistake(arguments: ["submit", "x", "--timeout=-5"], expected: ["--timeout", "negative"]),
        Mistake(arguments: ["submit", "x", "--timeout", "0"], expected: ["--timeout", "at least 1 second"]),
        Mistake(arguments: ["submit", "x", "--timeout", "soon"], expected: ["--timeout", "not a duration"]),
        Mistake(arguments: ["submit", "x", "--retries=-1"], expected: ["max_retries"]),
        Mistake(arguments: ["submit", "x", "--id", "taken"], expected: ["'taken'", "already exists"]),
        Mistake(arguments: ["submit", "x", "--id", "has space"], expected: ["task_id"]),
        Mistake(arguments: ["submit", "x", "--agent", "Bad Agent"], expected: ["not a valid profile name"]),
        Mistake(arguments: ["submit", "x", "--agent", "nobody"], expected: ["unknown agent 'nobody'", "claude, claude-stream, codex, command, gemini, simulate"]),
        Mistake(arguments: ["submit", "x", "--agent", "command"], expected: ["'command' profile has no program", "profiles.command.executable"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"agent\": \"nobody\"}\n", expected: ["line 1", "unknown agent 'nobody'"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"agent_options\": {\"max_turns\": 3.5}}\n", expected: ["line 1", "max_turns must be a whole number", "3.5"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"agent_options\": {\"allowed_tools\": \"Read\"}}\n", expected: ["line 1", "allowed_tools must be a list"]),
        Mistake(arguments: ["submit", "x", "--permission-mode", "yolo"], expected: ["permission_mode", "yolo"]),
        Mistake(arguments: ["submit", "x", "--after", "someday"], expected: ["--after", "someday"]),
        Mistake(arguments: ["submit", "x", "--cwd", "/no/such/folder"], expected: ["--cwd", "not a directory"]),
        Mistake(arguments: ["submit", "x", "--file", "-"], stdin: "{}", expected: ["either a prompt or --file"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"c\"\n", expected: ["line 3", "not valid JSON"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\"}\n{\"promt\": \"b\"}\n", expected: ["line 2", "'promt'"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"task_priority\": \"high\"}\n", expected: ["line 1", "task_priority", "integer"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"timeout_seconds\": -3}\n", expected: ["line 1", "timeout_seconds"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"task_id\": \"taken\"}\n", expected: ["'taken'", "already exists"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "{\"prompt\": \"a\", \"task_id\": \"d\"}\n{\"prompt\": \"b\", \"task_id\": \"d\"}\n", expected: ["'d'", "twice"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: "\n# nothing\n", expected: ["no tasks"]),
        Mistake(arguments: ["submit", "--file", "/no/such/file.jsonl"], expected: ["cannot read", "/no/such/file.jsonl"]),
        Mistake(arguments: ["submit", "--file", "/"], expected: ["is a folder", "JSON lines file"]),
        Mistake(arguments: ["submit", "--file", "-"], stdin: #"{"task_description": "a", "task_description": "b"}"#, expected: ["line 1", "'task_description' is given twice"]),
        Mistake(arguments: ["run", "/"], expected: ["is a folder"]),
        Mistake(arguments: ["submit", "x", "--database", "mysql://localhost/db"], expected: ["unknown database URL scheme 'mysql'"]),
        Mistake(arguments: ["list", "--database", "redis://localhost"], expected: ["unknown database URL scheme 'redis'"]),
        Mistake(arguments: ["list", "--database", "postgres://u@h:99999/db"], expected: ["port"]),
        Mistake(arguments: ["list", "--status", "done"], expected: ["unknown status 'done'"]),
        Mistake(arguments: ["list", "--limit", "0"], expected: ["limit"]),
        Mistake(arguments: ["list", "--after", "nope"], expected: ["'nope' does not exist"]),
        Mistake(arguments: ["show", "nope"], expected: ["no task with id 'nope'"]),
        Mistake(arguments: ["cancel", "nope", "taken"], expected: ["no task with id 'nope'"]),
        Mistake(arguments: ["retry", "taken"], expected: ["pending", "only failed or cancelled"]),
        Mistake(arguments: ["prune", "--older-than", "forever"], expected: ["--older-than", "not a duration"]),
    ]
}

@Suite("CLI: bad input is refused with one clear sentence and changes nothing")
struct BadInputTests {
    @Test("A mistake is refused", arguments: Mistake.all)
    func refused(mistake: Mistake) throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        #expect(try cli.run(["submit", "already here", "--id", "taken"]).status == 0)
        let before = try cli.run(["list", "--json", "--limit", "10000"]).stdout
        let beforeTrail = try cli.run(["show", "taken", "--json"]).stdout

        let result = try cli.run(mistake.arguments, stdin: mistake.stdin.map { Data($0.utf8) })

        #expect(result.status != 0)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)")
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.split(separator: "\n").count == 1, "expected one line, got: \(message)")
        #expect(!message.contains("Fatal error"))
        for word in mistake.expected {
            #expect(message.contains(word), "'\(message)' should mention \(word)")
        }
        #expect(try cli.run(["list", "--json", "--limit", "10000"]).stdout == before)
        #expect(try cli.run(["show", "taken", "--json"]).stdout == beforeTrail)
    }

    @Test("A config file that gives a field twice is refused, naming the field")
    func configFieldTwice() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let config = home.file("config.json")
        try #"{"profiles": {"claude": {"extra_arguments": ["--verbose"], "extra_arguments": []}}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let cli = CLIRunner(home: home.path)
        let result = try cli.run(["submit", "hello", "--config", config])
        #expect(result.status != 0)
        #expect(result.stderr.contains("'extra_arguments' is given twice"), "\(result.stderr)")
        #expect(try cli.run(["list", "--json"]).stdout.filter { !$0.isWhitespace } == "[]", "nothing was submitted")
    }

    @Test("A file that is not a SQLite database is refused and left alone")
    func notADatabase() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let path = home.file("notes.txt")
        let text = String(repeating: "These are my notes, not a database.\n", count: 200)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRunner(home: home.path).run(["list", "--database", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not a SQLite database"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }
}
