import AgentTurboCore
import Foundation

/// Turns Claude Code's JSON events in a task's output into readable lines for `logs` (`--raw` prints the
/// bytes as stored). Other output passes through unchanged.
struct LogRenderer {
    private var partial = Data()

    /// Rendered text for one chunk of output.
    mutating func render(_ chunk: OutputChunk) -> Data {
        guard chunk.stream == .stdout else { return chunk.data }
        partial.append(chunk.data)
        var output = Data()
        var start = partial.startIndex
        while let newline = partial[start...].firstIndex(of: UInt8(ascii: "\n")) {
            output.append(Self.renderLine(Data(partial[start..<newline])))
            start = newline + 1
        }
        partial = Data(partial[start...])
        return output
    }

    /// Whatever is left without a final newline.
    mutating func finish() -> Data {
        defer { partial = Data() }
        return partial.isEmpty ? Data() : Self.renderLine(partial)
    }

    static func renderLine(_ line: Data) -> Data {
        guard line.first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let type = object["type"] as? String,
            let text = describe(type: type, object)
        else {
            return line + Data("\n".utf8)
        }
        return Data((text + "\n").utf8)
    }

    private static func describe(type: String, _ object: [String: Any]) -> String? {
        switch (type, object["subtype"] as? String) {
        case ("system", "init"):
            return "▶ session \(object["session_id"] as? String ?? "?") · model \(object["model"] as? String ?? "?") · \(object["cwd"] as? String ?? "")"
        case ("system", "api_retry"):
            let delay = (object["retry_delay_ms"] as? Int).map { " in \($0) ms" } ?? ""
            return "↻ API retry \(object["attempt"] as? Int ?? 0)\(delay) (\(object["error_status"] as? Int ?? 0) \(object["error"] as? String ?? ""))"
        case ("system", _):
            return nil
        case ("assistant", _):
            let message = object["message"] as? [String: Any] ?? [:]
            let blocks = message["content"] as? [[String: Any]] ?? []
            return blocks.compactMap { block -> String? in
                switch block["type"] as? String {
                case "text": return "assistant: " + clip(block["text"] as? String ?? "")
                case "tool_use": return "tool: " + clip(toolLine(block))
                case "thinking": return nil
                default: return nil
                }
            }.joined(separator: "\n").nilIfEmpty
        case ("user", _):
            let message = object["message"] as? [String: Any] ?? [:]
            let blocks = message["content"] as? [[String: Any]] ?? []
            return blocks.compactMap { block -> String? in
                guard block["type"] as? String == "tool_result" else { return nil }
                let content = block["content"] as? String
                    ?? (block["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined(separator: " ") ?? ""
                return (block["is_error"] as? Bool == true ? "  ✘ " : "  → ") + clip(content)
            }.joined(separator: "\n").nilIfEmpty
        case ("result", _):
            let isError = object["is_error"] as? Bool ?? false
            let turns = object["num_turns"] as? Int ?? 0
            let cost = (object["total_cost_usd"] as? Double).map { String(format: " · $%.4f", $0) } ?? ""
            let text = object["result"] as? String ?? (object["errors"] as? [String])?.joined(separator: "; ") ?? ""
            return "\(isError ? "✘ error" : "✔ result"): \(clip(text)) · \(turns) turn\(turns == 1 ? "" : "s")\(cost)"
        default:
            return nil
        }
    }

    private static func toolLine(_ block: [String: Any]) -> String {
        let name = block["name"] as? String ?? "tool"
        let input = block["input"] as? [String: Any] ?? [:]
        let argument = ["command", "file_path", "path", "pattern", "url", "description"].lazy
            .compactMap { input[$0] as? String }.first
        return argument.map { "\(name): \($0)" } ?? name
    }

    private static func clip(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
        return line.count > 300 ? String(line.prefix(299)) + "…" : line
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
