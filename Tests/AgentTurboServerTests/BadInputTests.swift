import AgentTurboCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// One bad request: what is sent, and what must come back.
struct BadRequest: Sendable, CustomTestStringConvertible {
    var method: HTTPRequest.Method = .post
    var path = "/v1/tasks"
    var body: String?
    var contentType: String?
    var headers: [String: String] = [:]
    var status: Int
    var code: String
    var words: [String]

    var testDescription: String { "\(method.rawValue) \(path) \(body?.prefix(60) ?? "") → \(status) \(code)" }

    static let all: [BadRequest] = [
        BadRequest(body: #"{"task_description": "x""#, status: 400, code: "invalid_json", words: ["not valid JSON"]),
        BadRequest(body: "", status: 400, code: "invalid_json", words: ["not valid JSON"]),
        BadRequest(body: #"{"task_description": "x", "tiemout_seconds": 5}"#, status: 400, code: "invalid_task", words: ["unknown field", "'tiemout_seconds'"]),
        BadRequest(body: #"{"task_description": "x", "timeout_seconds": 0}"#, status: 400, code: "invalid_task", words: ["timeout_seconds must be between 1 and 604800"]),
        BadRequest(body: #"{"task_description": "x", "max_retries": -1}"#, status: 400, code: "invalid_task", words: ["max_retries"]),
        BadRequest(body: #"{"task_description": "x", "task_priority": "high"}"#, status: 400, code: "invalid_task", words: ["task_priority", "integer"]),
        BadRequest(body: #"{"task_description": "x", "agent": "Bad Agent"}"#, status: 400, code: "invalid_task", words: ["not a valid profile name"]),
        BadRequest(body: #"{"task_description": "x", "agent_options": {"permission_mode": "yolo"}}"#, status: 400, code: "invalid_task", words: ["permission_mode", "yolo"]),
        BadRequest(body: #"{"task_description": "x", "agent_options": {"modle": "m"}}"#, status: 400, code: "invalid_task", words: ["'modle'", "agent_options"]),
        BadRequest(body: #"{"task_description": "x", "run_after": "someday"}"#, status: 400, code: "invalid_task", words: ["run_after", "someday"]),
        BadRequest(body: #"{"task_description": "   "}"#, status: 400, code: "invalid_task", words: ["prompt", "empty"]),
        BadRequest(body: #"{"task_type": "docs"}"#, status: 400, code: "invalid_task", words: ["task_description"]),
        BadRequest(body: #"{"task_description": "x", "task_id": "has space"}"#, status: 400, code: "invalid_task", words: ["task_id"]),
        BadRequest(body: #"[{"prompt": "a"}, {"prompt": "b", "timeout_seconds": -3}]"#, status: 400, code: "invalid_task", words: ["task 2:", "timeout_seconds"]),
        BadRequest(body: #"[{"prompt": "a"}, 7]"#, status: 400, code: "invalid_task", words: ["task 2:", "JSON object"]),
        BadRequest(body: "[]", status: 400, code: "invalid_task", words: ["no tasks"]),
        BadRequest(body: "\"just text\"", status: 400, code: "invalid_task", words: ["task object"]),
        BadRequest(body: #"{"task_description": "x", "task_id": "taken"}"#, status: 409, code: "duplicate_id", words: ["'taken'", "already exists"]),
        BadRequest(body: #"[{"prompt": "a", "task_id": "d"}, {"prompt": "b", "task_id": "d"}]"#, status: 409, code: "duplicate_id", words: ["'d'", "twice"]),
        BadRequest(body: #"{"task_description": "x"}"#, contentType: "text/plain", status: 415, code: "unsupported_media_type", words: ["application/json"]),
        BadRequest(body: "task_description=x", contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type", words: ["application/json"]),
        BadRequest(body: #"{"task_description": "x"}"#, contentType: ";", status: 415, code: "unsupported_media_type", words: ["application/json"]),
        BadRequest(path: "/v1/tasks/taken/cancel", body: #"{"why": "x"}"#, status: 400, code: "invalid_body", words: ["'why'"]),
        BadRequest(body: #"{"task_description": "a", "task_description": "b"}"#, status: 400, code: "invalid_task", words: ["'task_description' is given twice"]),
        BadRequest(body: #"[{"prompt": "a"}, {"prompt": "b", "task_priority": 1, "task_priority": 2}]"#, status: 400, code: "invalid_task", words: ["task 2: the field 'task_priority' is given twice"]),
        BadRequest(path: "/v1/tasks/taken/cancel", body: #"{"reason": "a", "reason": "b"}"#, status: 400, code: "invalid_body", words: ["'reason' is given twice"]),
        BadRequest(path: "/v1/tasks/taken/cancel", body: "reason", contentType: "text/plain", status: 415, code: "unsupported_media_type", words: ["application/json"]),
        BadRequest(method: .get, path: "/v1/tasks?status=done", status: 400, code: "invalid_parameter", words: ["status", "'done'"]),
        BadRequest(method: .get, path: "/v1/tasks?limit=0", status: 400, code: "invalid_parameter", words: ["limit", "between 1 and 10000"]),
        BadRequest(method: .get, path: "/v1/tasks?limit=many", status: 400, code: "invalid_parameter", words: ["limit"]),
        BadRequest(method: .get, path: "/v1/tasks?after=nope", status: 404, code: "not_found", words: ["after", "'nope'"]),
        BadRequest(method: .get, path: "/v1/tasks?limit=", status: 400, code: "invalid_parameter", words: ["'limit' is empty"]),
        BadRequest(method: .get, path: "/v1/tasks?status=", status: 400, code: "invalid_parameter", words: ["'status' is empty"]),
        BadRequest(method: .get, path: "/v1/tasks?search=" + String(repeating: "x", count: 201), status: 400, code: "invalid_parameter", words: ["search text", "200"]),
        BadRequest(path: "/v1/tasks/taken/cancel", body: #"{"reason": null}"#, status: 400, code: "invalid_body", words: ["reason is null"]),
        BadRequest(body: #"{"task_description": "x", "task_type": null}"#, status: 400, code: "invalid_task", words: ["task_type is null"]),
        BadRequest(body: #"{"task_description": "x", "agent_options": {"model": null}}"#, status: 400, code: "invalid_task", words: ["agent_options.model is null"]),
        BadRequest(body: #"{"task_description": "x", "prompt": "y"}"#, status: 400, code: "invalid_task", words: ["not both"]),
        BadRequest(body: #"{"task_description": "x", "task_priority": 9223372036854775808}"#, status: 400, code: "invalid_task", words: ["task_priority", "integer of at most 64 bits"]),
        BadRequest(body: #"{"task_description": "x", "task_priority": 2147483648}"#, status: 400, code: "invalid_task", words: ["task_priority", "32-bit"]),
        BadRequest(body: #"{"task_description": "x", "run_after": ""}"#, status: 400, code: "invalid_task", words: ["run_after"]),
        BadRequest(body: #"{"task_description": "x", "run_after": "2026-02-30T10:00:00Z"}"#, status: 400, code: "invalid_task", words: ["run_after"]),
        BadRequest(body: #"{"task_description": "x", "run_after": "30s"}"#, status: 400, code: "invalid_task", words: ["run_after", "+30s"]),
        BadRequest(body: #"{"task_description": "x"}"#, headers: ["Idempotency-Key": "has space"], status: 400, code: "invalid_parameter", words: ["Idempotency-Key"]),
        BadRequest(method: .get, path: "/v1/tasks/taken/logs?follow=1", status: 400, code: "invalid_parameter", words: ["follow"]),
        BadRequest(body: #"{"task_description": "x", "task_type": "a\u0000b"}"#, status: 400, code: "invalid_task", words: ["task_type contains a NUL"]),
        BadRequest(body: #"{"task_description": "x", "agent_options": {"allowed_tools": ["Read", "B\u0000"]}}"#, status: 400, code: "invalid_task", words: ["agent_options.allowed_tools contains a NUL"]),
        BadRequest(path: "/v1/tasks/taken/cancel", body: #"{"reason": "a\u0000"}"#, status: 400, code: "invalid_body", words: ["reason contains a NUL"]),
        BadRequest(method: .get, path: "/v1/tasks?search=a%00b", status: 400, code: "invalid_parameter", words: ["'search' contains a NUL"]),
        BadRequest(method: .get, path: "/v1/tasks?type=,%20,", status: 400, code: "invalid_parameter", words: ["type names nothing"]),
        BadRequest(method: .get, path: "/v1/tasks?colour=red", status: 400, code: "invalid_parameter", words: ["'colour'"]),
        BadRequest(method: .get, path: "/v1/tasks/taken/logs?after=5", status: 400, code: "invalid_parameter", words: ["after", "attempt:seq"]),
        BadRequest(method: .get, path: "/v1/tasks/taken/logs?attempt=0", status: 400, code: "invalid_parameter", words: ["attempt"]),
        BadRequest(method: .get, path: "/v1/tasks/taken/logs?follow=maybe", status: 400, code: "invalid_parameter", words: ["follow"]),
        BadRequest(method: .get, path: "/v2/nothing", status: 404, code: "not_found", words: ["no such route"]),
        BadRequest(method: .delete, path: "/v1/tasks", status: 405, code: "method_not_allowed", words: ["use GET, HEAD, POST"]),
        BadRequest(method: .put, path: "/v1/tasks/taken", status: 405, code: "method_not_allowed", words: ["use GET, HEAD"]),
        BadRequest(method: .options, path: "/v1/stats", status: 405, code: "method_not_allowed", words: ["use GET, HEAD"]),
        BadRequest(method: .get, path: "/v1/holds/claude", status: 405, code: "method_not_allowed", words: ["use DELETE"]),
        BadRequest(method: .delete, path: "/v1/holds/claude", status: 404, code: "not_found", words: ["'claude' is not held back"]),
    ]
}

@Suite("API: bad input is refused with the field named, and nothing changes")
struct BadInputTests {
    @Test("A bad request is refused", arguments: BadRequest.all)
    func refused(request: BadRequest) async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "taken", taskDescription: "already here"))
            let before = try await fixture.store.tasks(matching: TaskFilter(limit: 100))
            var headers: HTTPFields = [:]
            if let contentType = request.contentType {
                headers[.contentType] = contentType
            } else if request.body != nil {
                headers[.contentType] = "application/json"
            }
            for (name, value) in request.headers {
                headers[HTTPField.Name(name)!] = value
            }
            let response = try await client.call(request.method, request.path, body: request.body, headers: headers)
            #expect(response.status == request.status)
            #expect(response.errorCode == request.code)
            for word in request.words {
                #expect(response.errorMessage.contains(word), "'\(response.errorMessage)' should contain '\(word)'")
            }
            #expect(try await fixture.store.tasks(matching: TaskFilter(limit: 100)) == before)
            #expect(try await fixture.store.actions(for: "taken").count == 1)
        }
    }

    @Test("A body over 16 MiB is refused with 413 before it is read in full")
    func oversizeRequest() async throws {
        try await ServerFixture.run { fixture, client in
            let prompt = String(repeating: "a", count: 1 << 20)
            let tasks = (0..<17).map { _ in #"{"prompt": "\#(prompt)"}"# }.joined(separator: ",")
            let response = try await client.call(.post, "/v1/tasks", body: "[\(tasks)]")
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
            #expect(try await fixture.store.statusCounts(batchID: nil).isEmpty)
        }
    }

    @Test("One task over 2 MiB of JSON is refused with 413 naming it; a prompt over 1 MiB with 400")
    func oversizeTask() async throws {
        try await ServerFixture.run { fixture, client in
            let huge = String(repeating: "b", count: 3 << 20)
            let tooLarge = try await client.call(.post, "/v1/tasks", body: #"[{"prompt": "a"}, {"prompt": "\#(huge)"}]"#)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "payload_too_large")
            #expect(tooLarge.errorMessage.contains("task 2:"))

            let long = String(repeating: "c", count: (1 << 20) + 1)
            let tooLong = try await client.call(.post, "/v1/tasks", body: #"{"prompt": "\#(long)"}"#)
            #expect(tooLong.status == 400)
            #expect(tooLong.errorCode == "invalid_task")
            #expect(tooLong.errorMessage.contains("1 MiB"))
            #expect(try await fixture.store.statusCounts(batchID: nil).isEmpty)
        }
    }

    @Test("A POST from another site's page is refused (403); one from this origin is not")
    func foreignPages() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "p1", taskDescription: "x"))
            let crossSite = try await client.call(.post, "/v1/tasks/p1/cancel", headers: [.origin: "http://evil.example"])
            #expect(crossSite.status == 403)
            #expect(crossSite.errorCode == "forbidden")
            let sameSite = try await client.call(.post, "/v1/tasks/p1/cancel", headers: [.origin: "http://localhost"])
            #expect(sameSite.status == 200)
        }
    }

    @Test("A live request whose Host is not loopback is refused without a token")
    func reboundHost() async throws {
        try await ServerFixture.run(.live) { _, client in
            let port = try #require(client.port)
            let rebound = try await RawHTTP.request("GET", port: port, "/v1/stats", headers: ["Host": "evil.example:\(port)"])
            #expect(rebound.status == 403)
            let local = try await RawHTTP.request("GET", port: port, "/v1/stats")
            #expect(local.status == 200)
        }
    }
}
