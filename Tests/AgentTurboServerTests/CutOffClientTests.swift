import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// Clients that vanish mid-request never leave the store wedged (issue: exactly once under pressure, point 1:
/// a cancelled request reached a SQLite transaction after BEGIN, its ROLLBACK was cancelled too, and the
/// connection went back to the pool inside the transaction).
@Suite("API: clients cut off mid-request")
struct CutOffClientTests {
    @Test("Forty log followers reset at once, round after round, while other reads run: every route still answers 200")
    func followersCutOff() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (server, port) = try await ServeCommandTests.serve(home)
        let listening = port
        let created = try await RawHTTP.request("POST", port: port, "/v1/tasks", json: #"{"task_id":"quiet","task_description":"never runs","agent":"simulate"}"#)
        #expect(created.status == 201)

        for _ in 1...8 {
            let followers = try await BlockingWork.run {
                try (1...40).map { _ in
                    let socket = try LoopbackSocket(port: listening, receiveTimeoutSeconds: 30)
                    try socket.write(Array("GET /v1/tasks/quiet/logs?follow=true HTTP/1.1\r\nHost: 127.0.0.1:\(listening)\r\n\r\n".utf8))
                    return socket
                }
            }
            // Other reads in flight while the followers are cut off.
            async let reads: [Int] = withThrowingTaskGroup(of: Int.self) { group in
                for path in Array(repeating: "/v1/tasks", count: 10) + Array(repeating: "/v1/stats", count: 10) {
                    group.addTask { (try? await RawHTTP.request("GET", port: listening, path).status) ?? 0 }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            _ = try await BlockingWork.run { try followers.map { try $0.read().count } }
            for socket in followers {
                socket.reset()
            }
            _ = try await reads
        }
        for path in ["/v1/tasks", "/v1/tasks/quiet", "/v1/tasks/quiet/logs", "/v1/tasks/quiet/events", "/v1/stats", "/v1/workers", "/readyz", "/healthz", "/metrics"] {
            let answer = try await RawHTTP.request("GET", port: port, path)
            #expect(answer.status == 200, "\(path) answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
        }
        server.signal(SIGTERM)
        #expect(try await server.wait() == 0)
    }
}
