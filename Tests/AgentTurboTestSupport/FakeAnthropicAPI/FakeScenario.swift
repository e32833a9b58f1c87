import Foundation

/// Decides the answer to one request from the directives in its conversation's prompt.
enum FakeScenario {
    static let defaultAnswer = "Hello from the fake API."

    /// The plan for `request`. `attempt` counts the requests of this conversation so far, this one included.
    ///
    /// The CLI retries a broken stream without streaming (`stream: false`), so `stall` and `drop` apply to
    /// those requests too: no response at all, or a closed connection.
    static func plan(for request: RecordedRequest, attempt: Int) -> FakeResponsePlan {
        guard request.method == "POST", request.pathWithoutQuery == "/v1/messages" else {
            return FakeAPIError.notFound(method: request.method, path: request.path)
        }
        let directives = FakeDirectives(text: request.firstUserText)
        if let status = directives.failureStatus(attempt: attempt),
            let failure = FakeAPIError.response(status: status, retryAfter: directives.retryAfter)
        {
            return failure
        }
        if directives.has("stall-headers") {
            return .silence
        }
        let message = reply(to: request, directives: directives)
        if directives.has("stall") {
            return request.isStreaming ? .stream(events: [message.messageStart], ending: .stall) : .silence
        }
        if directives.has("drop") {
            // message_start, content_block_start and the first text delta, then the connection goes.
            return request.isStreaming ? .stream(events: Array(message.events().prefix(3)), ending: .drop) : .hangUp
        }
        guard request.isStreaming else {
            return .json(status: 200, body: message.json, headers: [])
        }
        let slow = directives.slowSeconds
        return .stream(events: message.events(textPieces: slow > 0 ? 10 : 2, spreadOver: slow), ending: .complete)
    }

    /// The assistant message: a tool call while tool turns remain, otherwise the answer text.
    static func reply(to request: RecordedRequest, directives: FakeDirectives) -> FakeMessage {
        let usage = directives.usage
        var message = FakeMessage(
            model: request.model ?? "claude-fake", content: [], stopReason: "end_turn",
            inputTokens: usage.input, outputTokens: usage.output)
        if let tool = directives.toolName, request.toolResultCount < directives.toolTurns {
            message.content = FakeToolCall.blocks(for: tool, workingDirectory: request.workingDirectory)
            message.stopReason = "tool_use"
        } else if let answer = directives.answer {
            message.content = [.text(answer)]
        } else if request.endsWithToolResult {
            message.content = [.text("The tool said: " + request.lastUserText.prefix(200))]
        } else {
            message.content = [.text(defaultAnswer)]
        }
        return message
    }
}
