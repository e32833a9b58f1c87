import AgentTurboCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reads a JSON request body within a size cap: a content type that is not JSON is a 415, a body over the
/// cap a 413, text that is not JSON a 400 `invalid_json`, an object that gives a field twice a 400 `invalid_body`.
enum JSONRequestBody {
    /// The parsed body, or `nil` for an empty body when `optional`.
    static func read(_ request: Request, limit: Int, optional: Bool = false) async throws -> JSONValue? {
        guard let data = try await readData(request, limit: limit, optional: optional) else { return nil }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw notJSON()
        }
        if let duplicate = DuplicateJSONKeys.first(in: data) {
            throw APIError(.badRequest, .invalidBody, duplicate.message())
        }
        return value
    }

    /// The body's bytes after the content type and size checks, or `nil` for an empty body when `optional`.
    static func readData(_ request: Request, limit: Int, optional: Bool = false) async throws -> Data? {
        let contentType = request.headers[.contentType]
        if contentType != nil, !isJSON(contentType) {
            throw unsupported(contentType)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw tooLarge(limit)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        }
        if buffer.readableBytes == 0, optional {
            return nil
        }
        guard contentType != nil else {
            throw unsupported(contentType)
        }
        return Data(buffer.readableBytesView)
    }

    static func notJSON() -> APIError {
        APIError(
            .badRequest, .invalidJSON,
            "the body is not valid JSON: check its quotes, commas and brackets, as in {\"task_description\": \"...\"}"
        )
    }

    static func unsupported(_ contentType: String?) -> APIError {
        APIError(
            .unsupportedMediaType, .unsupportedMediaType,
            "send the body as JSON with Content-Type: application/json, not \(contentType.map { "'\($0)'" } ?? "without a content type")"
        )
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = (contentType.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .contentTooLarge, .payloadTooLarge,
            "the body is larger than the limit of \(limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"): send less per request"
        )
    }
}
