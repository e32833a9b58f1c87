import AgentTurboCore
import Foundation

/// Typed views of a Messages API request body, for tests and for choosing the fake's answer.
extension RecordedRequest {
    /// The `model` field.
    public var model: String? { parsedBody?["model"]?.stringValue }

    /// True when the body asks for server-sent events (`"stream": true`).
    public var isStreaming: Bool { parsedBody?["stream"]?.boolValue ?? false }

    /// The names of the tools offered to the model, in request order.
    public var toolNames: [String] {
        (parsedBody?["tools"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }

    /// The text of every system block, joined with "\n".
    public var systemText: String {
        Self.texts(in: parsedBody?["system"]).joined(separator: "\n")
    }

    /// The text of the first user message: the task's prompt (after the CLI's `<system-reminder>` block).
    public var firstUserText: String {
        guard let message = messages.first(where: { $0["role"]?.stringValue == "user" }) else { return "" }
        return Self.texts(in: message["content"]).joined(separator: "\n")
    }

    /// The text of the last user message: its text blocks and the contents of its tool results.
    public var lastUserText: String {
        guard let message = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return "" }
        return Self.texts(in: message["content"]).joined(separator: "\n")
    }

    /// Every text in the system blocks and all messages (any role), for searching.
    public var allText: String {
        let messageTexts = messages.flatMap { Self.texts(in: $0["content"]) }
        return (Self.texts(in: parsedBody?["system"]) + messageTexts).joined(separator: "\n")
    }

    /// How many user messages carry a `tool_result`: the tool round trips done so far.
    public var toolResultCount: Int {
        messages.filter { message in
            message["role"]?.stringValue == "user" && Self.blocks(of: message).contains { $0["type"]?.stringValue == "tool_result" }
        }.count
    }

    /// True when the last message is a user message holding a `tool_result`.
    public var endsWithToolResult: Bool {
        guard let last = messages.last, last["role"]?.stringValue == "user" else { return false }
        return Self.blocks(of: last).contains { $0["type"]?.stringValue == "tool_result" }
    }

    /// The agent's working directory, from the CLI's environment text ("Primary working directory: ...").
    public var workingDirectory: String? {
        let marker = "Primary working directory: "
        guard let start = allText.range(of: marker) else { return nil }
        let rest = allText[start.upperBound...]
        return String(rest.prefix { $0 != "\n" }).trimmingCharacters(in: .whitespaces)
    }

    var messages: [JSONValue] { parsedBody?["messages"]?.arrayValue ?? [] }

    private static func blocks(of message: JSONValue) -> [JSONValue] {
        message["content"]?.arrayValue ?? []
    }

    /// The texts in a `content` or `system` value: a plain string, or blocks of type `text`, and
    /// `tool_result` blocks whose own content is a string or text blocks.
    private static func texts(in content: JSONValue?) -> [String] {
        switch content {
        case .string(let text):
            return [text]
        case .array(let blocks):
            return blocks.flatMap { block -> [String] in
                switch block["type"]?.stringValue {
                case "text": return block["text"]?.stringValue.map { [$0] } ?? []
                case "tool_result": return texts(in: block["content"])
                default: return []
                }
            }
        default:
            return []
        }
    }
}
