import AgentTurboCore
import Foundation
import Testing

@Suite("Core: a field given twice in one JSON object is found")
struct DuplicateJSONKeysTests {
    @Test("Keys given twice are found, at any depth, also when one is spelled with escapes", arguments: [
        (#"{"prompt": "a", "prompt": "b"}"#, "prompt"),
        (#"{"a": 1, "b": {"c": 1, "c": 2}}"#, "c"),
        (#"{"prompt": "a", "\u0070rompt": "b"}"#, "prompt"),
        (#"{"say \"hi\"": 1, "say \u0022hi\"" : 2}"#, #"say "hi""#),
    ])
    func found(json: String, key: String) {
        let duplicate = DuplicateJSONKeys.first(in: Data(json.utf8))
        #expect(duplicate?.key == key)
        #expect(duplicate?.element == nil)
    }

    @Test("In an array of objects the duplicate's object is named")
    func element() {
        let json = #"[{"x": 1}, {"y": "a,b", "z": [1, 2]}, {"w": {"v": 1, "v": 2}}]"#
        let duplicate = DuplicateJSONKeys.first(in: Data(json.utf8))
        #expect(duplicate == .init(key: "v", element: 3))
        #expect(duplicate?.message(elementLabel: "task") == "task 3: the field 'v' is given twice in one object: give each field once")
    }

    @Test("Same names in different objects, strings that look like keys, values, and keys JSON tells apart are no duplicates", arguments: [
        #"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#,
        #"{"a": "b", "b": "a"}"#,
        #"{"a": ["b", "b"], "c": "{\"a\": 1, \"a\": 2}"}"#,
        #"{"a\\": 1, "a": 2}"#,
        "{\"\u{E9}\": 1, \"e\u{301}\": 2}",
        #"["k", "k"]"#,
        "",
        "{",
    ])
    func notFound(json: String) {
        #expect(DuplicateJSONKeys.first(in: Data(json.utf8)) == nil)
    }

    @Test("Bytes that are not UTF-8 are compared as bytes")
    func invalidUTF8() {
        let json = Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x2C, 0x22, 0xFE, 0x22, 0x3A, 0x32, 0x7D])
        #expect(DuplicateJSONKeys.first(in: json) == nil)
    }
}
