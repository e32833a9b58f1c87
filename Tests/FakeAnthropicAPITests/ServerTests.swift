import AgentTurboTestSupport
import Foundation
import Testing

/// The fake API over raw HTTP: wire format, directives and lifecycle, without the CLI.
struct ServerTests {
    @Test func streamsTheDefaultAnswer() async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "Say hello", stream: true)
            let response = try await RawHTTPClient.post(port: api.port, body)
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(response.header("transfer-encoding") == "chunked")
            #expect(response.header("request-id")?.hasPrefix("req_") == true)
            #expect(
                response.eventNames == [
                    "message_start", "content_block_start", "content_block_delta", "content_block_delta",
                    "content_block_stop", "message_delta", "message_stop",
                ])
            #expect(response.streamedText == "Hello from the fake API.")
            let start = try #require(response.eventData.first?["message"] as? [String: Any])
            #expect(start["model"] as? String == "claude-test-model")
            #expect((start["usage"] as? [String: Any])?["input_tokens"] as? Int == 100)
            #expect(response.rawBody.hasSuffix("0\r\n\r\n"))

            let request = try #require(api.requests.first)
            #expect(request.model == "claude-test-model")
            #expect(request.systemText == "You are a test.")
            #expect(request.lastUserText == "Say hello")
            #expect(request.isStreaming)
        }
    }

    @Test func answersWithoutStreaming() async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "fake:answer=Just_JSON fake:usage=7,3", stream: false)
            let response = try await RawHTTPClient.post(port: api.port, body)
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let message = try #require(response.json)
            let content = try #require(message["content"] as? [[String: Any]])
            #expect(content.first?["text"] as? String == "Just JSON")
            #expect(message["stop_reason"] as? String == "end_turn")
            #expect((message["usage"] as? [String: Any])?["input_tokens"] as? Int == 7)
            #expect((message["usage"] as? [String: Any])?["output_tokens"] as? Int == 3)
        }
    }

    @Test(arguments: [
        (401, "authentication_error"), (403, "permission_error"), (400, "invalid_request_error"),
        (404, "not_found_error"), (500, "api_error"), (529, "overloaded_error"), (429, "rate_limit_error"),
    ])
    func errorShapes(status: Int, type: String) async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "fake:\(status)", stream: true)
            let response = try await RawHTTPClient.post(port: api.port, body)
            #expect(response.status == status)
            #expect(response.header("content-type") == "application/json")
            #expect(response.header("request-id") != nil)
            let json = try #require(response.json)
            #expect(json["type"] as? String == "error")
            #expect((json["error"] as? [String: Any])?["type"] as? String == type)
        }
    }

    @Test func rateLimitHeaders() async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "fake:429 fake:retry-after=3", stream: true)
            let response = try await RawHTTPClient.post(port: api.port, body)
            #expect(response.status == 429)
            #expect(response.header("retry-after") == "3")
            #expect(response.header("anthropic-ratelimit-requests-reset")?.hasSuffix("Z") == true)
            #expect(response.header("anthropic-ratelimit-tokens-reset") != nil)
            #expect(Int(response.header("anthropic-ratelimit-unified-reset") ?? "") != nil)
        }
    }

    @Test func thenOkFailsOncePerConversation() async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "fake:529-then-ok", stream: true)
            func send(session: String) async throws -> Int? {
                let request = RawHTTPClient.request(body: body, headers: ["X-Claude-Code-Session-Id: \(session)"])
                return RawHTTPResponse(try await RawHTTPClient.exchange(port: api.port, request)).status
            }
            let statuses = [
                try await send(session: "a"), try await send(session: "a"),
                try await send(session: "b"), try await send(session: "a"),
            ]
            #expect(statuses == [529, 200, 529, 200])
        }
    }

    @Test func toolTurnsThenAnswer() async throws {
        try await withFakeAPI { api in
            let toolResult: [String: Any] = [
                "role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "hi"]],
            ]
            let assistant: [String: Any] = ["role": "assistant", "content": [["type": "text", "text": "ok"]]]
            func stopReason(after turns: Int) async throws -> (String?, [[String: Any]]) {
                let extra = Array(repeating: [assistant, toolResult], count: turns).flatMap { $0 }
                let body = RawHTTPClient.messagesBody(
                    prompt: "fake:tools=2 fake:tool=Read", stream: false, extraMessages: extra)
                let json = try await RawHTTPClient.post(port: api.port, body).json
                return (json?["stop_reason"] as? String, json?["content"] as? [[String: Any]] ?? [])
            }
            let (first, firstContent) = try await stopReason(after: 0)
            #expect(first == "tool_use")
            #expect(firstContent.last?["name"] as? String == "Read")
            #expect((firstContent.last?["input"] as? [String: Any])?["file_path"] as? String != nil)
            #expect(try await stopReason(after: 1).0 == "tool_use")
            let (last, lastContent) = try await stopReason(after: 2)
            #expect(last == "end_turn")
            #expect(lastContent.first?["text"] as? String == "The tool said: hi")
        }
    }

    @Test func keepAliveAndExpectContinue() async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "fake:answer=again", stream: true)
            let first = RawHTTPClient.request(body: body, headers: ["Expect: 100-continue"], close: false)
            let second = RawHTTPClient.request(body: body)
            let wire = try await RawHTTPClient.exchange(port: api.port, first + second)
            #expect(wire.hasPrefix("HTTP/1.1 100 Continue\r\n"))
            #expect(wire.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            #expect(wire.components(separatedBy: "event: message_stop").count == 3)
            #expect(api.requests.count == 2)
        }
    }

    @Test func unknownPathIsNotFoundAndRecorded() async throws {
        try await withFakeAPI { api in
            let response = RawHTTPResponse(
                try await RawHTTPClient.exchange(port: api.port, RawHTTPClient.request(method: "GET", path: "/v1/models")))
            #expect(response.status == 404)
            #expect((response.json?["error"] as? [String: Any])?["type"] as? String == "not_found_error")
            #expect(api.requests.map(\.method) == ["GET"])
            #expect(api.requests.map(\.path) == ["/v1/models"])
        }
    }

    @Test func dropEndsTheStreamEarly() async throws {
        try await withFakeAPI { api in
            let body = RawHTTPClient.messagesBody(prompt: "fake:drop", stream: true)
            let response = try await RawHTTPClient.post(port: api.port, body)
            #expect(response.status == 200)
            #expect(response.eventNames == ["message_start", "content_block_start", "content_block_delta"])
            #expect(!response.rawBody.hasSuffix("0\r\n\r\n"))
        }
    }

    /// Stalled connections (after `message_start`, or before any header) must not hold up `stop()`.
    @Test(arguments: ["fake:stall", "fake:stall-headers"])
    func stopEndsStalledConnections(directive: String) async throws {
        let api = try await FakeAnthropicAPI.start()
        let body = RawHTTPClient.messagesBody(prompt: directive, stream: true)
        let client = Task { try await RawHTTPClient.exchange(port: api.port, RawHTTPClient.request(body: body)) }
        while api.requests.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        // A second connection is still served while the first one stalls.
        let other = RawHTTPClient.messagesBody(prompt: "hello", stream: true)
        let answer = try await RawHTTPClient.post(port: api.port, other)
        #expect(answer.streamedText == "Hello from the fake API.")

        await api.stop()
        let response = RawHTTPResponse(try await client.value)
        #expect(!response.eventNames.contains("message_stop"))
        #expect(api.requests.count == 2)
    }
}
