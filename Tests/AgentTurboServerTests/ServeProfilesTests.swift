import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("CLI: serve checks tasks against its profiles and reads its token from a file")
struct ServeProfilesTests {
    @Test("POST /v1/tasks refuses an unknown agent and a prompt too long for its agent; the token comes from a file")
    func submitChecks() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let config = home.file("config.json")
        try #"{"profiles": {"lint": {"executable": "/bin/echo", "arguments": ["{prompt}"]}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let tokenFile = home.file("api-token")
        try "file-token-123\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var cli = ServeCommandTests.cli(home)
        cli.environment["AGENT_TURBO_API_TOKEN_FILE"] = tokenFile
        let server = try WorkerProcess(cli, ["serve", "--port", "0", "--config", config])
        defer { server.signal(SIGKILL) }
        var port = 0
        try await eventually("the server to listen", timeout: 60) {
            if let line = server.logLines.first(where: { $0["msg"] == "serving the API and dashboard" }) {
                port = Int(line["port"] ?? "") ?? 0
            }
            return port > 0 || !server.process.isRunning
        }
        try #require(port > 0, "serve did not start: \(server.logText)")
        let auth = ["Authorization": "Bearer file-token-123"]

        let anonymous = try await RawHTTP.request("POST", port: port, "/v1/tasks", json: #"{"prompt": "x", "agent": "lint"}"#)
        #expect(anonymous.status == 401, "the token from the file is required")

        let unknown = try await RawHTTP.request("POST", port: port, "/v1/tasks", headers: auth, json: #"{"prompt": "x", "agent": "nobody"}"#)
        #expect(unknown.status == 422, "a valid task this server cannot run")
        let unknownText = String(decoding: unknown.body, as: UTF8.self)
        #expect(unknownText.contains("agent_unavailable"))
        #expect(unknownText.contains("unknown agent 'nobody'"))
        #expect(unknownText.contains("lint"), "the names come from the config file too: \(unknownText)")

        let long = String(repeating: "a", count: 140_000)
        let tooLong = try await RawHTTP.request(
            "POST", port: port, "/v1/tasks", headers: auth, json: #"[{"prompt": "ok", "agent": "lint"}, {"prompt": "\#(long)", "agent": "lint"}]"#
        )
        #expect(tooLong.status == 422)
        let tooLongText = String(decoding: tooLong.body, as: UTF8.self)
        #expect(tooLongText.contains("task 2: the prompt is 140000 bytes"), "\(tooLongText.prefix(300))")
        #expect(tooLongText.contains("128 KiB"))

        let onStdin = try await RawHTTP.request("POST", port: port, "/v1/tasks", headers: auth, json: #"{"prompt": "\#(long)", "agent": "claude"}"#)
        #expect(onStdin.status == 201, "claude reads a long prompt from stdin")
        let fine = try await RawHTTP.request("POST", port: port, "/v1/tasks", headers: auth, json: #"{"prompt": "ok", "agent": "lint"}"#)
        #expect(fine.status == 201)
        let list = try await RawHTTP.request("GET", port: port, "/v1/tasks", headers: auth)
        let page = (try JSONSerialization.jsonObject(with: list.body)) as? [String: Any]
        #expect((page?["tasks"] as? [[String: Any]])?.count == 2, "nothing of the refused batch was stored")

        server.signal(SIGTERM)
        #expect(try await server.wait() == 0)
    }
}
