import AgentTurboCore
import AgentTurboServer
import AgentTurboTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// Header, body and idle deadlines and the connection cap, tried on the wire with raw sockets. Deadlines are set
/// short here (a second) so the tests are quick; the assertions are on what the server does (closes the
/// connection, answers 408, keeps a stream open past several idle periods), never on how long it took.
@Suite("API: connection deadlines and the connection cap")
struct ConnectionLimitTests {
    static func shortDeadlines(_ configuration: inout APIServer.Configuration) {
        configuration.connections.idleTimeout = .seconds(1)
        configuration.connections.headerTimeout = .seconds(1)
        configuration.connections.bodyTimeout = .seconds(1)
        configuration.followKeepAliveInterval = .milliseconds(200)
    }

    @Test("A silent connection is closed")
    func idle() async throws {
        try await ServerFixture.run(.live, configure: Self.shortDeadlines) { _, client in
            let port = try #require(client.port)
            let ending = try await BlockingWork.run {
                try LoopbackSocket(port: port, receiveTimeoutSeconds: 30).readUntilClosed()
            }
            // Closed by the server, not given up by the socket's 30 s receive timeout, and with nothing said.
            #expect(ending.closed)
            #expect(ending.bytes.isEmpty)
        }
    }

    @Test("A keep-alive connection is closed once it has been idle after a response")
    func idleAfterResponse() async throws {
        try await ServerFixture.run(.live, configure: Self.shortDeadlines) { _, client in
            let port = try #require(client.port)
            let (text, closed) = try await BlockingWork.run {
                let socket = try LoopbackSocket(port: port, receiveTimeoutSeconds: 30)
                try socket.write(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                let ending = socket.readUntilClosed()
                return (String(decoding: ending.bytes, as: UTF8.self), ending.closed)
            }
            #expect(closed)
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.contains(#""status":"ok""#))
        }
    }

    @Test("A head sent a byte at a time gets 408 and is closed, however steadily the bytes come")
    func slowHead() async throws {
        try await ServerFixture.run(.live, configure: Self.shortDeadlines) { _, client in
            let port = try #require(client.port)
            let (text, sent) = try await BlockingWork.run {
                let socket = try LoopbackSocket(port: port, receiveTimeoutSeconds: 30)
                let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(String(repeating: "p", count: 400))\r\n\r\n".utf8)
                var sent = 0
                // Well within any idle deadline per byte, but never finishing the head in time.
                for byte in request {
                    guard (try? socket.write([byte])) != nil else { break }
                    sent += 1
                    Thread.sleep(forTimeInterval: 0.05)
                    if sent % 10 == 0, let more = try? socket.readNonBlocking() {
                        return (String(decoding: more + socket.readUntilClosed().bytes, as: UTF8.self), sent)
                    }
                }
                return (String(decoding: socket.readUntilClosed().bytes, as: UTF8.self), sent)
            }
            #expect(text.hasPrefix("HTTP/1.1 408"), "\(text)")
            #expect(sent < 460, "the server waited for the whole head")
        }
    }

    @Test("A body that trickles in is cut off")
    func slowBody() async throws {
        try await ServerFixture.run(.live, configure: Self.shortDeadlines) { fixture, client in
            let port = try #require(client.port)
            let (closed, sent) = try await BlockingWork.run {
                let socket = try LoopbackSocket(port: port, receiveTimeoutSeconds: 30)
                let body = Array(#"{"task_description": "\#(String(repeating: "x", count: 400))"}"#.utf8)
                try socket.write(Array("POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
                var sent = 0
                for byte in body {
                    guard (try? socket.write([byte])) != nil else { return (true, sent) }
                    sent += 1
                    Thread.sleep(forTimeInterval: 0.05)
                    if sent % 10 == 0, (try? socket.readNonBlocking()) != nil {
                        return (true, sent)
                    }
                }
                return (false, sent)
            }
            #expect(closed)
            #expect(sent < 410, "the server waited for the whole body")
            #expect(try await fixture.store.statusCounts(batchID: nil).isEmpty, "nothing was stored")
        }
    }

    @Test("A followed log outlives many idle deadlines: its keep-alives keep it open")
    func followedLogLives() async throws {
        try await ServerFixture.run(.live, configure: Self.shortDeadlines) { fixture, client in
            let port = try #require(client.port)
            _ = try await fixture.store.submit(NewTask(taskID: "long", taskDescription: "x"))
            let keepAlives = try await BlockingWork.run {
                let connection = try RawHTTPConnection(port: port)
                try connection.send("GET", "/v1/tasks/long/logs?follow=true", port: port)
                _ = try connection.readHead()
                var count = 0
                // Fifteen keep-alives 200 ms apart outlast the one-second idle deadline several times over.
                while count < 15, let chunk = try connection.readChunk() {
                    count += String(decoding: chunk, as: UTF8.self).components(separatedBy: ": keep-alive").count - 1
                }
                connection.hangUp()
                return count
            }
            #expect(keepAlives >= 15)
        }
    }
}
