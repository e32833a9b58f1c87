import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("CLI: agent-turbo serve")
struct ServeCommandTests {
    /// A runner with no token in its environment.
    static func cli(_ home: TemporaryDirectory, token: String? = nil) -> CLIRunner {
        var cli = CLIRunner(home: home.path)
        cli.environment.removeValue(forKey: "AGENT_TURBO_API_TOKEN")
        if let token {
            cli.environment["AGENT_TURBO_API_TOKEN"] = token
        }
        return cli
    }

    /// Starts `agent-turbo serve --port 0` as a process and waits for the port it listens on.
    static func serve(_ home: TemporaryDirectory, _ options: [String] = []) async throws -> (WorkerProcess, Int) {
        let server = try WorkerProcess(cli(home), ["serve", "--port", "0"] + options)
        var port = 0
        try await eventually("the server to listen", timeout: 60) {
            if let line = server.logLines.first(where: { $0["msg"] == "serving the API and dashboard" }) {
                port = Int(line["port"] ?? "") ?? 0
            }
            return port > 0 || !server.process.isRunning
        }
        try #require(port > 0, "serve did not start: \(server.logText)")
        return (server, port)
    }

    @Test("Refuses to listen beyond loopback without a token: one line, non-zero exit")
    func refusesOpenHost() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let result = try Self.cli(home).run(["serve", "--host", "0.0.0.0", "--port", "0"])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("refusing to listen on 0.0.0.0 without a token"))
        #expect(result.stderr.contains("AGENT_TURBO_API_TOKEN"))
    }

    @Test("End to end: serve --workers 2 runs submitted simulate tasks; SIGTERM stops it with exit 0")
    func endToEnd() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (server, port) = try await Self.serve(home, ["--workers", "2"])

        let task = #"{"task_description":"sleep=0.5 hi","agent":"simulate"}"#
        let created = try await RawHTTP.request("POST", port: port, "/v1/tasks", json: "[\(task),\(task),\(task)]")
        #expect(created.status == 201)
        let ids = ((try JSONSerialization.jsonObject(with: created.body)) as? [[String: Any]] ?? []).compactMap { $0["task_id"] as? String }
        #expect(ids.count == 3)

        for id in ids {
            try await eventually("task \(id) to complete", timeout: 120, every: .milliseconds(200)) {
                let shown = try await RawHTTP.request("GET", port: port, "/v1/tasks/\(id)")
                let object = (try JSONSerialization.jsonObject(with: shown.body)) as? [String: Any] ?? [:]
                return object["status"] as? String == "completed"
            }
            let shown = try await RawHTTP.request("GET", port: port, "/v1/tasks/\(id)")
            let object = (try JSONSerialization.jsonObject(with: shown.body)) as? [String: Any] ?? [:]
            #expect(object["result"] as? String == "hi")
            #expect((object["attempts"] as? [[String: Any]])?.first?["outcome"] as? String == "completed")
        }
        let metrics = try await RawHTTP.request("GET", port: port, "/metrics")
        let exposition = try PrometheusExposition(parsing: String(decoding: metrics.body, as: UTF8.self))
        #expect(exposition.value("agent_turbo_tasks", ["status": "completed"]) == 3)
        #expect(exposition.value("agent_turbo_workers_live") == 1)

        server.signal(SIGTERM)
        #expect(try await server.wait() == 0, "\(server.logText)")
    }

    /// Starts `serve` with `arguments` and returns it with its port.
    static func start(_ home: TemporaryDirectory, _ arguments: [String]) async throws -> (WorkerProcess, Int) {
        let server = try WorkerProcess(Self.cli(home), ["serve", "--port", "0"] + arguments)
        var port = 0
        try await eventually("the server to listen", timeout: 60) {
            if let line = server.logLines.first(where: { $0["msg"] == "serving the API and dashboard" }) {
                port = Int(line["port"] ?? "") ?? 0
            }
            return port > 0 || !server.process.isRunning
        }
        try #require(port > 0, "serve did not start: \(server.logText)")
        return (server, port)
    }

    @Test("Contradictory worker flags are refused with one line: --concurrency without --workers, or both disagreeing")
    func contradictoryWorkerFlags() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        for (arguments, words) in [
            (["--concurrency", "2"], "--concurrency 2 without --workers runs no agent here: use --workers 2"),
            (["--workers", "2", "--concurrency", "3"], "--workers 2 and --concurrency 3 disagree"),
            (["--idle-timeout", "0s"], "--idle-timeout must be between"),
            (["--max-connections", "0"], "--max-connections must be between 1 and"),
        ] {
            let result = try Self.cli(home).run(["serve", "--port", "0"] + arguments)
            #expect(result.status != 0)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(words), "\(result.stderr)")
        }
    }

    @Test("--max-connections caps the connections served at once; a freed slot serves the next")
    func connectionCap() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (server, port) = try await Self.start(home, ["--max-connections", "2"])
        let (early, late) = try await BlockingWork.run {
            let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            let first = try LoopbackSocket(port: port, receiveTimeoutSeconds: 30)
            let second = try LoopbackSocket(port: port, receiveTimeoutSeconds: 30)
            try first.write(request)
            try second.write(request)
            _ = try first.read()
            _ = try second.read()
            // Both slots are held by open keep-alive connections: a third waits in the listen queue.
            let third = try LoopbackSocket(port: port, receiveTimeoutSeconds: 30)
            try third.write(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
            Thread.sleep(forTimeInterval: 0.5)
            let early = try third.readNonBlocking()
            first.hangUp()
            return (early, String(decoding: third.readUntilClosed().bytes, as: UTF8.self))
        }
        #expect(early == nil, "the third connection was served while two were open")
        #expect(late.hasPrefix("HTTP/1.1 200"))
        server.signal(SIGTERM)
        #expect(try await server.wait() == 0, "\(server.logText)")
    }

    @Test("Three silent connections are closed by the default deadlines (idle 30 s) while the server stays up")
    func silentConnectionsClosed() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (server, port) = try await Self.start(home, [])
        let endings = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await BlockingWork.run { try LoopbackSocket(port: port, receiveTimeoutSeconds: 90).readUntilClosed().closed }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(endings == [true, true, true])
        let health = try await RawHTTP.request("GET", port: port, "/healthz")
        #expect(health.status == 200)
        server.signal(SIGTERM)
        #expect(try await server.wait() == 0, "\(server.logText)")
    }
}
