import AgentTurboTestSupport
import Testing

/// The real `claude` CLI against the fake: the scenarios the worker's tests depend on.
/// Serialized because each run is a 200 MB process and the machine has few cores.
@Suite(.enabled(if: RealClaude.shouldRun, RealClaude.skipMessage), .serialized)
struct RealClaudeTests {
    @Test func plainAnswer() async throws {
        try await withFakeAPI { api in
            let run = try await RealClaude.run("Say hello fake:answer=Hi_from_Swift fake:usage=120,7", api: api)
            let result = try run.result()
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(result.isError == false)
            #expect(result.result == "Hi from Swift")
            #expect(result.numTurns == 1)
            #expect(result.usage?.inputTokens == 120)
            #expect(result.usage?.outputTokens == 7)
            #expect((result.totalCostUsd ?? 0) > 0)

            let requests = api.requests
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == "POST")
            #expect(request.path == "/v1/messages?beta=true")
            #expect(request.isStreaming)
            #expect(request.header("X-API-KEY") == "sk-ant-fake")
            #expect(request.model != nil)
            #expect(request.toolNames.contains("Bash"))
            #expect(request.lastUserText.contains("fake:answer=Hi_from_Swift"))
            #expect(request.workingDirectory?.hasSuffix("/work") == true)
            #expect(result.sessionId != nil)
            #expect(result.sessionId == request.header("X-Claude-Code-Session-Id"))
        }
    }

    @Test func bashToolRoundTrip() async throws {
        try await withFakeAPI { api in
            let run = try await RealClaude.run("Run it. fake:tool=Bash", ["--allowedTools", "Bash"], api: api)
            let result = try run.result()
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(result.isError == false)
            #expect(result.numTurns == 2)
            #expect(result.result == "The tool said: hi")

            let requests = api.requests
            try #require(requests.count == 2)
            #expect(requests[0].endsWithToolResult == false)
            #expect(requests[1].endsWithToolResult)
            #expect(requests[1].lastUserText == "hi")
            #expect(requests[0].sessionID == requests[1].sessionID)
        }
    }

    @Test func authenticationError() async throws {
        try await withFakeAPI { api in
            let run = try await RealClaude.run("fake:401", api: api, environment: ["CLAUDE_CODE_MAX_RETRIES": "0"])
            let result = try run.result()
            #expect(run.status == 1)
            #expect(result.isError)
            #expect(result.apiErrorStatus == 401)
            #expect(api.requests.count == 1)
        }
    }

    @Test func overloaded() async throws {
        try await withFakeAPI { api in
            let run = try await RealClaude.run("fake:529", api: api, environment: ["CLAUDE_CODE_MAX_RETRIES": "0"])
            let result = try run.result()
            #expect(run.status == 1)
            #expect(result.isError)
            #expect(result.apiErrorStatus == 529)
            #expect(result.result?.contains("529") == true)
        }
    }

    @Test func droppedConnection() async throws {
        try await withFakeAPI { api in
            let run = try await RealClaude.run("fake:drop", api: api, environment: ["CLAUDE_CODE_MAX_RETRIES": "0"])
            let result = try run.result()
            #expect(run.status == 1)
            #expect(result.isError)
            #expect(result.apiErrorStatus == nil)
            #expect(result.apiError == "connection_failed")
            #expect(api.requests.first?.isStreaming == true)
        }
    }
}
