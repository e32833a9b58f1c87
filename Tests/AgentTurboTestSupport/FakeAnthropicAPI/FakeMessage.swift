import AgentTurboCore
import Foundation

/// An assistant message the fake answers with, before it is written as JSON or as events.
struct FakeMessage: Sendable {
    enum Block: Sendable {
        case text(String)
        case toolUse(id: String, name: String, input: JSONValue)
    }

    var id = "msg_fake_" + FakeMessage.randomHex(16)
    var model: String
    var content: [Block]
    var stopReason: String
    var inputTokens: Int
    var outputTokens: Int

    static func randomHex(_ count: Int) -> String {
        String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(count))
    }

    func usage(outputTokens: Int) -> JSONValue {
        [
            "input_tokens": .int(inputTokens),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": .int(outputTokens),
        ]
    }

    /// The whole message as a Messages API response body (`stream: false`).
    var json: JSONValue {
        [
            "id": .string(id), "type": "message", "role": "assistant", "model": .string(model),
            "content": .array(content.map(\.completeJSON)),
            "stop_reason": .string(stopReason), "stop_sequence": nil,
            "usage": usage(outputTokens: outputTokens),
        ]
    }
}

extension FakeMessage.Block {
    /// The block as it appears in a complete message.
    var completeJSON: JSONValue {
        switch self {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .toolUse(let id, let name, let input):
            return ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
        }
    }

    /// The block as `content_block_start` announces it: empty, to be filled by deltas.
    var startJSON: JSONValue {
        switch self {
        case .text:
            return ["type": "text", "text": ""]
        case .toolUse(let id, let name, _):
            return ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]]
        }
    }
}
