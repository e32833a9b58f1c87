import AgentTurboCore
import Foundation
import Testing

@Suite("Core: a field given twice in one JSON object is found")
struct DuplicateJSONKeysTests {
    @Test("Keys given twice are found, at any depth, also when one is spelled with escapes", arguments: [
        (#"{"prompt": "a", "prompt": "b"}"#, "prompt"),
        (#"{"a": 1, "b": {"c": 1, "c": 2}}"#, "c"),
        (#"[{"x": 1}, {"y": 1, "y": 2}]"#, "y"),
        (#"{"prompt": "a", "\u0070rompt": "b"}"#, "prompt"),
        (#"{"say \"hi\"": 1, "say \"hi\"" : 2}"#, #"say "hi""#),
    ])
    func found(json: String, key: String) {
        #expect(DuplicateJSONKeys.first(in: Data(json.utf8)) == key)
    }

    @Test("Same names in different objects, strings that look like keys, and values are no duplicates", arguments: [
        #"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#,
        #"{"a": "b", "b": "a"}"#,
        #"{"a": ["b", "b"], "c": "{\"a\": 1, \"a\": 2}"}"#,
        #"{"a\\": 1, "a": 2}"#,
        #"["k", "k"]"#,
        "",
        "{",
    ])
    func notFound(json: String) {
        #expect(DuplicateJSONKeys.first(in: Data(json.utf8)) == nil)
    }
}
