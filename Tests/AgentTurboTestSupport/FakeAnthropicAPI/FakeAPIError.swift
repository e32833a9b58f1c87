import AgentTurboCore
import Foundation

/// The Anthropic error responses the fake can give, in the documented shape:
/// `{"type":"error","error":{"type":"...","message":"..."}}` with content-type application/json.
enum FakeAPIError {
    /// The error response for `status`, or nil for a status the fake does not play.
    static func response(status: Int, retryAfter: Int = 1) -> FakeResponsePlan? {
        let kind: (type: String, message: String)
        switch status {
        case 400: kind = ("invalid_request_error", "fake: invalid request")
        case 401: kind = ("authentication_error", "invalid x-api-key")
        case 403: kind = ("permission_error", "Your API key does not have permission to use the specified resource.")
        case 404: kind = ("not_found_error", "The requested resource could not be found.")
        case 429: kind = ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit.")
        case 500: kind = ("api_error", "Internal server error")
        case 529: kind = ("overloaded_error", "Overloaded")
        default: return nil
        }
        let headers = status == 429 ? rateLimitHeaders(retryAfter: retryAfter) : []
        return error(status: status, type: kind.type, message: kind.message, headers: headers)
    }

    /// The answer to anything but `POST /v1/messages`.
    static func notFound(method: String, path: String) -> FakeResponsePlan {
        error(status: 404, type: "not_found_error", message: "fake: no route for \(method) \(path)")
    }

    static func error(
        status: Int, type: String, message: String, headers: [(String, String)] = []
    ) -> FakeResponsePlan {
        .json(
            status: status,
            body: ["type": "error", "error": ["type": .string(type), "message": .string(message)]],
            headers: headers)
    }

    /// The headers a real 429 carries. The CLI honours only `retry-after` (up to 60 s); the reset
    /// headers are there so that code reading them has something real-looking to parse.
    static func rateLimitHeaders(retryAfter seconds: Int, now: Date = Date()) -> [(String, String)] {
        let reset = now.addingTimeInterval(TimeInterval(seconds))
        let rfc3339 = reset.formatted(.iso8601)
        return [
            ("retry-after", String(seconds)),
            ("anthropic-ratelimit-requests-reset", rfc3339),
            ("anthropic-ratelimit-tokens-reset", rfc3339),
            ("anthropic-ratelimit-unified-reset", String(Int(reset.timeIntervalSince1970))),
        ]
    }
}
