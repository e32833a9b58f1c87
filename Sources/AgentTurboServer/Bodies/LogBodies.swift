import AgentTurboCore
import Foundation
import HTTPTypes

/// One piece of a task's output in JSON: its data as UTF-8 text (invalid bytes replaced).
struct LogChunkBody: Encodable {
    var attempt: Int
    var seq: Int
    var stream: String
    var data: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case attempt
        case seq
        case stream
        case data
        case createdAt = "created_at"
    }

    init(_ chunk: OutputChunk) {
        attempt = chunk.attempt
        seq = chunk.sequence
        stream = chunk.stream.rawValue
        data = String(decoding: chunk.data, as: UTF8.self)
        createdAt = chunk.createdAt
    }
}

/// `GET /v1/tasks/{id}/logs`: chunks in order and where to continue.
struct LogPageBody: Encodable {
    var chunks: [LogChunkBody]
    /// `attempt:seq` of the last chunk, or the cursor given when there was nothing new (`null` if none).
    var nextAfter: String?

    enum CodingKeys: String, CodingKey {
        case chunks
        case nextAfter = "next_after"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(chunks, forKey: .chunks)
        try container.encode(nextAfter, forKey: .nextAfter)
    }
}

/// The last event of a followed log: the task as it ended.
struct LogEndBody: Encodable {
    var taskID: String
    var status: String
    var attempt: Int

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case status
        case attempt
    }
}

extension OutputCursor {
    /// Parses `attempt:seq` (both non-negative integers), the form `next_after` and SSE event ids use.
    static func parse(_ text: String, parameter: String) throws(APIError) -> OutputCursor {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let attempt = Int(parts[0]), let sequence = Int(parts[1]), attempt >= 0, sequence >= 0 else {
            throw APIError(
                .badRequest, .invalidParameter,
                "\(parameter) must be a cursor attempt:seq such as 1:42 (next_after of the previous page), not '\(text)'"
            )
        }
        return OutputCursor(attempt: attempt, sequence: sequence)
    }

    var text: String { "\(attempt):\(sequence)" }
}
