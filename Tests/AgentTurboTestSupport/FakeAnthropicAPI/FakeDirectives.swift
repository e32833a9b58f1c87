import Foundation

/// The scenario a prompt asks the fake to play: words of the form `fake:NAME` or `fake:NAME=VALUE`.
///
/// Directives are read from the conversation's first user message (the task's prompt), which the CLI
/// resends with every request, so each of many concurrent agents gets its own scenario from one server.
///
/// | directive | effect |
/// |---|---|
/// | `fake:answer=Some_text` | the answer text (`_` becomes a space) |
/// | `fake:usage=IN,OUT` | the reported input and output token counts |
/// | `fake:tool=Bash` / `Read` / `Write` | call that tool once, then answer |
/// | `fake:tools=N` | call the tool N times before answering |
/// | `fake:toolloop` | call the tool on every turn |
/// | `fake:slow=SECONDS` | spread the text deltas over that many seconds |
/// | `fake:401` `403` `400` `404` `500` `529` `429` | always answer with that error |
/// | `fake:retry-after=N` | the 429's `retry-after` (default 1) |
/// | `fake:429-then-ok` `529-then-ok` `500-then-ok` | fail the conversation's first request only |
/// | `fake:drop` | close the connection after `message_start` and one text delta |
/// | `fake:stall` | send `message_start`, then nothing until the server stops |
/// | `fake:stall-headers` | never send response headers |
struct FakeDirectives: Sendable {
    /// Directive names mapped to their values ("" for a directive without `=`). The first occurrence wins.
    let values: [String: String]

    init(text: String) {
        var values: [String: String] = [:]
        for word in text.split(whereSeparator: { $0.isWhitespace || $0 == "`" || $0 == "\"" || $0 == "'" }) {
            guard word.hasPrefix("fake:") else { continue }
            let directive = word.dropFirst("fake:".count)
            let name = String(directive.prefix { $0 != "=" })
            let value = directive.contains("=") ? String(directive.drop { $0 != "=" }.dropFirst()) : ""
            guard !name.isEmpty, values[name] == nil else { continue }
            values[name] = value
        }
        self.values = values
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    /// The answer text, with underscores turned into spaces.
    var answer: String? {
        values["answer"].map { $0.replacingOccurrences(of: "_", with: " ") }
    }

    /// Input and output tokens to report: `fake:usage=IN,OUT`, default 100 and 10.
    var usage: (input: Int, output: Int) {
        let numbers = (values["usage"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard numbers.count == 2 else { return (100, 10) }
        return (numbers[0], numbers[1])
    }

    /// The tool to call, if the prompt asks for tool use at all (`fake:tools`/`fake:toolloop` default to Bash).
    var toolName: String? {
        if let name = values["tool"], !name.isEmpty { return name }
        return has("tools") || has("toolloop") ? "Bash" : nil
    }

    /// How many tool turns come before the final answer; `Int.max` for `fake:toolloop`.
    var toolTurns: Int {
        if has("toolloop") { return .max }
        return values["tools"].flatMap { Int($0) } ?? 1
    }

    /// Seconds to spread the text deltas over (`fake:slow`), 0 for no pause.
    var slowSeconds: Double {
        values["slow"].flatMap { Double($0) } ?? 0
    }

    /// The `retry-after` seconds for 429 answers.
    var retryAfter: Int {
        values["retry-after"].flatMap { Int($0) } ?? 1
    }

    /// The HTTP status this request must fail with, if any. `attempt` counts this conversation's
    /// requests, 1 for the first, so the `-then-ok` directives fail only that one.
    func failureStatus(attempt: Int) -> Int? {
        for status in [401, 403, 400, 404, 429, 500, 529] {
            if has(String(status)) { return status }
            if attempt == 1, has("\(status)-then-ok") { return status }
        }
        return nil
    }
}
