import AgentTurboTestSupport
import Foundation

/// A bare HTTP/1.1 client: it sends the bytes exactly as given and reads until the server closes the
/// connection, so tests see the wire format (chunk sizes, 100 Continue, drops).
enum RawHTTPClient {
    /// Sends `request` to 127.0.0.1:`port` and returns everything the server sent until it closed.
    static func exchange(port: Int, _ request: String) async throws -> String {
        try await BlockingWork.run {
            let socket = try LoopbackSocket(port: port)
            try socket.write(Array(request.utf8))
            return String(decoding: socket.readToEnd(), as: UTF8.self)
        }
    }

    /// POSTs a Messages API body (see `messagesBody`) with the CLI's headers and reads the whole response.
    static func post(port: Int, _ body: String) async throws -> RawHTTPResponse {
        RawHTTPResponse(try await exchange(port: port, request(body: body)))
    }

    /// A request with the Messages API headers the CLI sends; `close` adds `Connection: close`.
    static func request(
        method: String = "POST", path: String = "/v1/messages?beta=true", body: String = "",
        headers: [String] = [], close: Bool = true
    ) -> String {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
        lines += headers
        lines.append("Content-Length: \(body.utf8.count)")
        lines.append(close ? "Connection: close" : "Connection: keep-alive")
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// A Messages API body with one user message holding `prompt`, then the given extra messages.
    static func messagesBody(prompt: String, stream: Bool, extraMessages: [[String: Any]] = []) -> String {
        let body: [String: Any] = [
            "model": "claude-test-model",
            "max_tokens": 1000,
            "stream": stream,
            "system": [["type": "text", "text": "You are a test."]],
            "messages": [["role": "user", "content": [["type": "text", "text": prompt]]]] + extraMessages,
        ]
        let data = try! JSONSerialization.data(withJSONObject: body)
        return String(decoding: data, as: UTF8.self)
    }
}

/// One HTTP response as read off the wire by `RawHTTPClient`.
struct RawHTTPResponse {
    var statusLine: String
    var headers: [(String, String)]
    /// The body as sent (chunk-size lines included, for a chunked response).
    var rawBody: String

    /// Splits `text` at the first header block that is not a `100 Continue`.
    init(_ text: String) {
        var rest = Substring(text)
        var head = ""
        repeat {
            guard let end = rest.range(of: "\r\n\r\n") else {
                head = String(rest)
                rest = ""
                break
            }
            head = String(rest[..<end.lowerBound])
            rest = rest[end.upperBound...]
        } while head.hasPrefix("HTTP/1.1 100")
        let lines = head.components(separatedBy: "\r\n")
        statusLine = lines.first ?? ""
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        rawBody = String(rest)
    }

    var status: Int? { Int(statusLine.split(separator: " ").dropFirst().first ?? "") }

    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body parsed as a JSON object (for content-length responses).
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(rawBody.utf8))) as? [String: Any]
    }

    /// The body's lines, split on "\n" alone (as a Character, "\r\n" is one grapheme and never equals "\n").
    private var lines: [String] {
        rawBody.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
            String(String.UnicodeScalarView($0))
        }
    }

    /// The names on the `event:` lines, in order.
    var eventNames: [String] {
        lines.compactMap { line in
            line.hasPrefix("event: ") ? String(line.dropFirst(7)).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
    }

    /// The JSON objects on the `data:` lines, in order.
    var eventData: [[String: Any]] {
        lines.compactMap { line in
            guard line.hasPrefix("data: ") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
        }
    }

    /// All `text_delta` texts joined.
    var streamedText: String {
        eventData.compactMap { ($0["delta"] as? [String: Any])?["text"] as? String }.joined()
    }
}
