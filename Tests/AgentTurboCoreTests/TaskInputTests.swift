import AgentTurboCore
import Foundation
import Testing

@Suite("Core: task input is read strictly, and its mistakes are named")
struct TaskInputTests {
    func parse(_ line: String) throws(InputError) -> [NewTask] {
        try TaskLines.parse(Data(line.utf8), source: "tasks.jsonl")
    }

    @Test("allowed_tools given as one string is refused: a list is wanted")
    func toolString() {
        for key in ["allowed_tools", "disallowed_tools"] {
            let error = #expect(throws: InputError.self) { try parse(#"{"prompt": "x", "agent_options": {"\#(key)": "Read"}}"#) }
            #expect(error?.message == #"tasks.jsonl line 1: agent_options.\#(key) must be a list of tool patterns, such as ["Read", "Bash(git diff:*)"], not one string"#)
        }
        let empty = #expect(throws: InputError.self) { try parse(#"{"prompt": "x", "agent_options": {"allowed_tools": ["Read", " "]}}"#) }
        #expect(empty?.message.contains("empty tool pattern") == true)
        let list = try? parse(#"{"prompt": "x", "agent_options": {"allowed_tools": ["Read", "Bash(git diff:*)"]}}"#)
        #expect(list?.first?.agentOptions.allowedTools == ["Read", "Bash(git diff:*)"])
    }

    @Test("max_turns that is not a whole number is named as such, not as bad JSON")
    func maxTurns() {
        let fraction = #expect(throws: InputError.self) { try parse(#"{"prompt": "x", "agent_options": {"max_turns": 3.5}}"#) }
        #expect(fraction?.message == "tasks.jsonl line 1: agent_options.max_turns must be a whole number, such as 3, not 3.5")
        let text = #expect(throws: InputError.self) { try parse(#"{"prompt": "x", "agent_options": {"max_turns": "3"}}"#) }
        #expect(text?.message == "tasks.jsonl line 1: agent_options.max_turns must be a whole number, such as 3")
        #expect((try? parse(#"{"prompt": "x", "agent_options": {"max_turns": 3}}"#))?.first?.agentOptions.maxTurns == 3)
        #expect((try? parse(#"{"prompt": "x", "agent_options": {"max_turns": null}}"#))?.first?.agentOptions.maxTurns == nil)
    }

    @Test("A catalog refuses a line whose agent is unknown, naming the line")
    func catalogLine() {
        let catalog = AgentCatalog([AgentCatalog.Entry(name: "claude", longestPrompt: nil), AgentCatalog.Entry(name: "lint", longestPrompt: 4)])
        let input = Data(#"{"prompt": "a"}\#n{"prompt": "abcde", "agent": "lint"}\#n"#.utf8)
        let error = #expect(throws: InputError.self) { try TaskLines.parse(input, source: "tasks.jsonl", catalog: catalog) }
        #expect(error?.message.hasPrefix("tasks.jsonl line 2: the prompt is 5 bytes, more than the 'lint' agent can take") == true)
        let unknown = Data(#"{"prompt": "a", "agent": "codex"}"#.utf8)
        let named = #expect(throws: InputError.self) { try TaskLines.parse(unknown, source: "s", catalog: catalog) }
        #expect(named?.message == "s line 1: unknown agent 'codex': the profiles are claude, lint (add one under \"profiles\" in the config file)")
    }

    @Test("Every task's JSON has rate_limited_sec, and reads back without it")
    func rateLimitedColumn() throws {
        let json = #"{"task_id":"t","task_type":"general","task_description":"x","task_priority":5,"status":"pending","timeout_seconds":300,"max_retries":3,"retry_count":0,"attempt":0,"created_at":"2026-12-01T00:00:00Z","updated_at":"2026-12-01T00:00:00Z","agent":"claude","run_after":"2026-12-01T00:00:00Z","cancel_requested":false}"#
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let task = try decoder.decode(AgentTask.self, from: Data(json.utf8))
        #expect(task.rateLimitedSec == 0)
        var limited = task
        limited.rateLimitedSec = 12.5
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(limited)) as? [String: Any]
        #expect(object?["rate_limited_sec"] as? Double == 12.5)
    }
}
