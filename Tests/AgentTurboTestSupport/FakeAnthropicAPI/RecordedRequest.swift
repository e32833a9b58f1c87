import AgentTurboCore
import Foundation

/// One HTTP request the fake API received, exactly as it arrived.
///
/// The content accessors (`model`, `systemText`, `lastUserText`, ...) are in `RecordedRequest+Content.swift`.
public struct RecordedRequest: Sendable {
    public var method: String
    /// The request target, query included, for example `/v1/messages?beta=true`.
    public var path: String
    /// Header fields in arrival order, names as the client spelled them.
    public var headers: [(String, String)]
    public var body: Data {
        didSet { parsedBody = JSONValue.parse(body) }
    }

    /// The body parsed once, since every accessor reads it (request bodies are about 50 KB).
    private(set) var parsedBody: JSONValue?

    public init(method: String, path: String, headers: [(String, String)], body: Data) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.parsedBody = JSONValue.parse(body)
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as plain values (`String`, `Double`, `Bool`, `[any Sendable]`, `[String: any Sendable]`,
    /// `NSNull`), or nil when the body is not a JSON object.
    public var json: [String: any Sendable]? {
        parsedBody?.objectValue?.mapValues(\.plainValue)
    }

    /// The path without its query: `/v1/messages`.
    public var pathWithoutQuery: String {
        String(path.prefix { $0 != "?" })
    }

    /// The `X-Claude-Code-Session-Id` header: the CLI's session id, the same as `session_id` in its result.
    public var sessionID: String? {
        header("X-Claude-Code-Session-Id")
    }
}
