import AgentTurboTestSupport
import Foundation
import HTTPTypes

/// A minimal HTTP/1.1 client over a plain socket to a loopback port, for what HummingbirdTesting's client does
/// not do: reading a response while it streams (server-sent events), and talking to a server in another process.
/// Blocking reads run on a thread of their own; a receive timeout bounds how long a broken server can hang a test.
final class RawHTTPConnection: @unchecked Sendable {
    struct Head: Sendable {
        var status: Int
        var headers: [String: String]
    }

    private let socket: LoopbackSocket
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        socket = try LoopbackSocket(port: port)
    }

    /// Sends a request; `Connection: close` so that a plain response ends at end of file.
    func send(_ method: String, _ path: String, port: Int, headers: [String: String] = [:], body: Data? = nil) throws {
        var text = "\(method) \(path) HTTP/1.1\r\nConnection: close\r\n"
        if !headers.keys.contains(where: { $0.lowercased() == "host" }) {
            text += "Host: 127.0.0.1:\(port)\r\n"
        }
        for (key, value) in headers {
            text += "\(key): \(value)\r\n"
        }
        if let body {
            text += "Content-Length: \(body.count)\r\n"
        }
        try socket.write(Array((text + "\r\n").utf8) + (body.map(Array.init) ?? []))
    }

    /// Ends the connection from this side (the server sees the client go away).
    func hangUp() {
        socket.hangUp()
    }

    func readHead() throws -> Head {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw POSIXError(.EBADMSG) }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty {
                return Head(status: status, headers: headers)
            }
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// The next piece of a chunked body, `nil` at its end.
    func readChunk() throws -> Data? {
        guard let size = Int(try readLine().split(separator: ";")[0], radix: 16) else { throw POSIXError(.EBADMSG) }
        if size == 0 {
            _ = try? readLine()
            return nil
        }
        let data = try readExactly(size)
        _ = try readLine()
        return data
    }

    /// The whole body after `head`: by length, chunked, or to end of file.
    func readBody(_ head: Head) throws -> Data {
        if let length = head.headers["content-length"].flatMap(Int.init) {
            return try readExactly(length)
        }
        if head.headers["transfer-encoding"]?.lowercased() == "chunked" {
            var body = Data()
            while let chunk = try readChunk() {
                body += chunk
            }
            return body
        }
        var body = Data(buffer)
        buffer = []
        while let more = try fill(), !more.isEmpty {
            body += more
            buffer = []
        }
        return body
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == UInt8(ascii: "\r") {
                    line.removeLast()
                }
                return String(decoding: line, as: UTF8.self)
            }
            guard let more = try fill(), !more.isEmpty else { throw POSIXError(.ECONNRESET) }
        }
    }

    private func readExactly(_ count: Int) throws -> Data {
        while buffer.count < count {
            guard let more = try fill(), !more.isEmpty else { throw POSIXError(.ECONNRESET) }
        }
        let data = Data(buffer[..<count])
        buffer.removeFirst(count)
        return data
    }

    /// Reads what is available into the buffer; empty at end of file.
    @discardableResult
    private func fill() throws -> Data? {
        let chunk = try socket.read()
        buffer += chunk
        return Data(chunk)
    }
}

/// One server-sent event.
struct ServerSentEvent: Sendable, Equatable {
    var event: String = "message"
    var id: String?
    var data: String = ""

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }

    /// Splits an event stream's text into events (comments dropped).
    static func parse(_ text: String) -> [ServerSentEvent] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var event = ServerSentEvent()
            var sawField = false
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let value = parts.count > 1 ? String(parts[1].drop { $0 == " " }) : ""
                sawField = true
                switch parts[0] {
                case "event": event.event = value
                case "id": event.id = value
                case "data": event.data += (event.data.isEmpty ? "" : "\n") + value
                default: break
                }
            }
            return sawField ? event : nil
        }
    }
}

/// Reads an event stream on a thread of its own and hands over each event as it arrives.
final class EventStreamReader: Sendable {
    let head: RawHTTPConnection.Head
    let events: AsyncStream<ServerSentEvent>
    private let connection: RawHTTPConnection

    private init(connection: RawHTTPConnection, head: RawHTTPConnection.Head) {
        self.connection = connection
        self.head = head
        let (events, continuation) = AsyncStream.makeStream(of: ServerSentEvent.self)
        self.events = events
        Thread {
            var pending = ""
            while let chunk = try? connection.readChunk() {
                pending += String(decoding: chunk, as: UTF8.self)
                while let end = pending.range(of: "\n\n") {
                    ServerSentEvent.parse(String(pending[..<end.upperBound])).forEach { continuation.yield($0) }
                    pending.removeSubrange(..<end.upperBound)
                }
            }
            continuation.finish()
        }.start()
    }

    /// Connects, sends the request and reads the response head.
    static func open(port: Int, path: String, headers: [String: String] = [:]) async throws -> EventStreamReader {
        try await BlockingWork.run {
            let connection = try RawHTTPConnection(port: port)
            try connection.send("GET", path, port: port, headers: ["Accept": "text/event-stream"].merging(headers) { $1 })
            return EventStreamReader(connection: connection, head: try connection.readHead())
        }
    }

    func hangUp() {
        connection.hangUp()
    }
}

/// One request to a loopback port with `Connection: close`, answered in full.
enum RawHTTP {
    static func request(
        _ method: String, port: Int, _ path: String, headers: [String: String] = [:], json: String? = nil
    ) async throws -> (status: Int, body: Data) {
        try await BlockingWork.run {
            let connection = try RawHTTPConnection(port: port)
            var headers = headers
            if json != nil {
                headers["Content-Type"] = "application/json"
            }
            try connection.send(method, path, port: port, headers: headers, body: json.map { Data($0.utf8) })
            let head = try connection.readHead()
            return (head.status, try connection.readBody(head))
        }
    }
}
