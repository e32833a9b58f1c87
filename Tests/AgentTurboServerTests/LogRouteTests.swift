import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("API: task output")
struct LogRouteTests {
    @Test("JSON pages: chunks in order across attempts, one attempt, after a cursor")
    func pages() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "l1", taskDescription: "x", maxRetries: 2))
            let first = try await fixture.claim("l1")
            try await fixture.append(first, "one\n")
            try await fixture.append(first, "oops\n", stream: .stderr)
            try await fixture.store.finish(first, .failed(AttemptFailure(kind: .crashed, message: "boom"), AgentReport()), retryPolicy: RetryPolicy(baseSeconds: 0, jitter: 0))
            let second = try await fixture.claim("l1")
            try await fixture.append(second, "two\n")

            let all = try await client.call(.get, "/v1/tasks/l1/logs")
            #expect(all.status == 200)
            let chunks = try #require(all.object["chunks"] as? [[String: Any]])
            #expect(chunks.map { $0["data"] as? String } == ["one\n", "oops\n", "two\n"])
            #expect(chunks.map { $0["stream"] as? String } == ["stdout", "stderr", "stdout"])
            #expect(chunks.map { "\($0["attempt"]!):\($0["seq"]!)" } == ["1:1", "1:2", "2:1"])
            #expect(all.object["next_after"] as? String == "2:1")

            let onlyFirst = try await client.call(.get, "/v1/tasks/l1/logs?attempt=1")
            #expect((onlyFirst.object["chunks"] as? [[String: Any]])?.map { $0["data"] as? String } == ["one\n", "oops\n"])

            let rest = try await client.call(.get, "/v1/tasks/l1/logs?after=1:1&limit=1")
            #expect((rest.object["chunks"] as? [[String: Any]])?.map { $0["data"] as? String } == ["oops\n"])
            #expect(rest.object["next_after"] as? String == "1:2")

            let nothingNew = try await client.call(.get, "/v1/tasks/l1/logs?after=2:1")
            #expect((nothingNew.object["chunks"] as? [Any])?.isEmpty == true)
            #expect(nothingNew.object["next_after"] as? String == "2:1")
        }
    }

    @Test("Invalid UTF-8 comes out as text with replacement characters")
    func lossyText() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "u1", taskDescription: "x"))
            let ref = try await fixture.claim("u1")
            try await fixture.store.appendOutput(OutputAppend(taskID: "u1", attempt: ref.attempt, pieces: [OutputPiece(stream: .stdout, data: Data([0x68, 0xff, 0x69]), sequence: 1)]))
            let page = try await client.call(.get, "/v1/tasks/u1/logs")
            #expect((page.object["chunks"] as? [[String: Any]])?.first?["data"] as? String == "h\u{FFFD}i")
        }
    }

    @Test("follow=true on a finished task: every chunk as an event, then `end`")
    func followFinished() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "f1", taskDescription: "x"))
            let ref = try await fixture.claim("f1")
            for line in ["a\n", "b\n", "c\n"] {
                try await fixture.append(ref, line)
            }
            try await fixture.store.finish(ref, .completed(AgentReport(result: "done")), retryPolicy: .standard)
            let response = try await client.call(.get, "/v1/tasks/f1/logs?follow=true")
            #expect(response.status == 200)
            #expect(response.contentType.hasPrefix("text/event-stream"))
            let events = ServerSentEvent.parse(response.text)
            #expect(events.map(\.event) == ["message", "message", "message", "end"])
            #expect(events.prefix(3).map { $0.json["data"] as? String } == ["a\n", "b\n", "c\n"])
            #expect(events.prefix(3).map(\.id) == ["1:1", "1:2", "1:3"])
            #expect(events.last?.json["status"] as? String == "completed")

            // A reconnecting EventSource resumes after the last event it saw.
            let resumed = try await client.execute(uri: "/v1/tasks/f1/logs?follow=true", method: .get, headers: [.init("Last-Event-ID")!: "1:2"])
            let resumedEvents = ServerSentEvent.parse(String(buffer: resumed.body))
            #expect(resumedEvents.map(\.id) == ["1:3", nil])
        }
    }

    @Test("follow=true streams each chunk as it is stored and ends when the task has finished")
    func followLive() async throws {
        try await ServerFixture.run(.live) { fixture, client in
            let port = try #require(client.port)
            _ = try await fixture.store.submit(NewTask(taskID: "s1", taskDescription: "x"))
            let ref = try await fixture.claim("s1")
            let stream = try await EventStreamReader.open(port: port, path: "/v1/tasks/s1/logs?follow=true")
            #expect(stream.head.status == 200)
            #expect(stream.head.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            var events = stream.events.makeAsyncIterator()
            for index in 1...3 {
                try await fixture.append(ref, "line \(index)\n")
                let event = try #require(await events.next())
                #expect(event.event == "message")
                #expect(event.json["data"] as? String == "line \(index)\n")
                #expect(event.id == "1:\(index)")
            }
            try await fixture.append(ref, "last words\n", stream: .stderr)
            try await fixture.store.finish(ref, .completed(AgentReport(result: "ok")), retryPolicy: .standard)
            let last = try #require(await events.next())
            #expect(last.json["data"] as? String == "last words\n")
            #expect(last.json["stream"] as? String == "stderr")
            let end = try #require(await events.next())
            #expect(end.event == "end")
            #expect(end.json["status"] as? String == "completed")
            #expect(await events.next() == nil, "the stream closes after `end`")
        }
    }

    @Test("A followed log ends when its client goes away")
    func clientDisconnect() async throws {
        try await ServerFixture.run(.live) { fixture, client in
            let port = try #require(client.port)
            _ = try await fixture.store.submit(NewTask(taskID: "d1", taskDescription: "x"))
            _ = try await fixture.claim("d1")
            @Sendable func openStreams() async throws -> Double? {
                let response = try await client.call(.get, "/metrics")
                return try PrometheusExposition(parsing: response.text).value("agent_turbo_http_log_streams")
            }
            let stream = try await EventStreamReader.open(port: port, path: "/v1/tasks/d1/logs?follow=true")
            #expect(stream.head.status == 200)
            try await eventually("the stream to be counted") { try await openStreams() == 1 }
            stream.hangUp()
            try await eventually("the stream to end after the client left") { try await openStreams() == 0 }
        }
    }
}
