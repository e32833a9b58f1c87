import Foundation
import NIOCore
import NIOHTTP1

/// Writes a `FakeResponsePlan` to one HTTP/1.1 connection.
struct FakeResponseWriter {
    /// What the connection must do once the plan has been written.
    enum Next {
        /// Read the next request (keep-alive).
        case nextRequest
        /// Close the connection now, whatever is unfinished.
        case close
        /// Send nothing more; wait until the client leaves or the server stops.
        case hold
    }

    let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    let version: HTTPVersion
    let keepAlive: Bool

    func write(_ plan: FakeResponsePlan) async throws -> Next {
        switch plan {
        case .json(let status, let body, let extraHeaders):
            let bytes = ByteBuffer(string: body.serialized)
            var headers = commonHeaders(contentType: "application/json")
            headers.add(name: "content-length", value: String(bytes.readableBytes))
            for (name, value) in extraHeaders { headers.add(name: name, value: value) }
            try await outbound.write(.head(HTTPResponseHead(version: version, status: Self.status(status), headers: headers)))
            try await outbound.write(.body(.byteBuffer(bytes)))
            try await outbound.write(.end(nil))
            return keepAlive ? .nextRequest : .close
        case .stream(let events, let ending):
            var headers = commonHeaders(contentType: "text/event-stream; charset=utf-8")
            headers.add(name: "cache-control", value: "no-cache")
            headers.add(name: "transfer-encoding", value: "chunked")
            try await outbound.write(.head(HTTPResponseHead(version: version, status: .ok, headers: headers)))
            // One write per event: NIOAsyncChannel flushes every write, so a slow stream arrives event by event.
            for event in events {
                if event.delay > .zero { try await Task.sleep(for: event.delay) }
                try await outbound.write(.body(.byteBuffer(ByteBuffer(string: event.text))))
            }
            switch ending {
            case .complete:
                try await outbound.write(.end(nil))
                return keepAlive ? .nextRequest : .close
            case .drop:
                return .close
            case .stall:
                return .hold
            }
        case .silence:
            return .hold
        case .hangUp:
            return .close
        }
    }

    private func commonHeaders(contentType: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "request-id", value: "req_fake_" + FakeMessage.randomHex(12))
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        return headers
    }

    /// Statuses NIO does not name (529) get their Anthropic reason phrase.
    private static func status(_ code: Int) -> HTTPResponseStatus {
        HTTPResponseStatus(statusCode: code, reasonPhrase: code == 529 ? "Overloaded" : "")
    }
}
