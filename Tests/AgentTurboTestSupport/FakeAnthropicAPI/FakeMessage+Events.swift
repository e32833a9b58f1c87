import AgentTurboCore
import Foundation

/// A message as the stream of server-sent events the Messages API sends for `stream: true`:
/// `message_start`, then per block `content_block_start`, deltas, `content_block_stop`,
/// then `message_delta` (stop reason and output usage) and `message_stop`.
extension FakeMessage {
    var messageStart: FakeSSEEvent {
        var start = json
        if case .object(var members) = start {
            members["content"] = []
            members["stop_reason"] = JSONValue.null
            members["usage"] = usage(outputTokens: 1)
            start = .object(members)
        }
        return FakeSSEEvent(name: "message_start", data: ["type": "message_start", "message": start])
    }

    /// All events of the message. Text is sent in `textPieces` deltas (at least 2, when the text is long
    /// enough); a positive `spreadOver` puts an equal pause before each text delta.
    func events(textPieces: Int = 2, spreadOver seconds: Double = 0) -> [FakeSSEEvent] {
        var events = [messageStart]
        for (index, block) in content.enumerated() {
            events.append(
                FakeSSEEvent(
                    name: "content_block_start",
                    data: ["type": "content_block_start", "index": .int(index), "content_block": block.startJSON]))
            events += deltas(of: block, index: index, pieces: textPieces, spreadOver: seconds)
            events.append(
                FakeSSEEvent(name: "content_block_stop", data: ["type": "content_block_stop", "index": .int(index)]))
        }
        events.append(
            FakeSSEEvent(
                name: "message_delta",
                data: [
                    "type": "message_delta",
                    "delta": ["stop_reason": .string(stopReason), "stop_sequence": nil],
                    "usage": ["output_tokens": .int(outputTokens)],
                ]))
        events.append(FakeSSEEvent(name: "message_stop", data: ["type": "message_stop"]))
        return events
    }

    private func deltas(of block: Block, index: Int, pieces: Int, spreadOver seconds: Double) -> [FakeSSEEvent] {
        switch block {
        case .text(let text):
            let parts = Self.split(text, into: pieces)
            let pause = Duration.milliseconds(Int64(seconds * 1000) / Int64(max(parts.count, 1)))
            return parts.map { part in
                FakeSSEEvent(
                    name: "content_block_delta",
                    data: [
                        "type": "content_block_delta", "index": .int(index),
                        "delta": ["type": "text_delta", "text": .string(part)],
                    ],
                    delay: pause)
            }
        case .toolUse(_, _, let input):
            // The input arrives as JSON text cut at an arbitrary point, as the real API does.
            return Self.split(input.serialized, into: 2).map { part in
                FakeSSEEvent(
                    name: "content_block_delta",
                    data: [
                        "type": "content_block_delta", "index": .int(index),
                        "delta": ["type": "input_json_delta", "partial_json": .string(part)],
                    ])
            }
        }
    }

    /// `text` cut into `count` pieces of about equal length (fewer if the text is shorter).
    static func split(_ text: String, into count: Int) -> [String] {
        let characters = Array(text)
        guard characters.count > 1, count > 1 else { return [text] }
        let pieces = min(count, characters.count)
        return (0..<pieces).map { piece in
            String(characters[(piece * characters.count / pieces)..<((piece + 1) * characters.count / pieces)])
        }
    }
}
