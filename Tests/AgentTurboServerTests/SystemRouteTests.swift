import AgentTurboCore
import AgentTurboServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: workers, stats, health, dashboard and the OpenAPI document")
struct SystemRouteTests {
    @Test("/healthz and /readyz answer 200 on a good store")
    func health() async throws {
        try await ServerFixture.run { _, client in
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == 200)
            #expect(health.object["status"] as? String == "ok")
            let ready = try await client.call(.get, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.object["status"] as? String == "ready")
            #expect((ready.object["schema_version"] as? Int ?? 0) >= 1)
        }
    }

    @Test("/readyz answers 503 once the store stops answering; /healthz still 200")
    func notReady() async throws {
        try await ServerFixture.run { fixture, client in
            try await fixture.store.close()
            let ready = try await client.call(.get, "/readyz")
            #expect(ready.status == 503)
            #expect(ready.errorCode == "unavailable")
            #expect(try await client.call(.get, "/healthz").status == 200)
        }
    }

    @Test("/v1/workers lists workers and active holds; /v1/stats has every state")
    func workersAndStats() async throws {
        try await ServerFixture.run { fixture, client in
            try await fixture.store.registerWorker(WorkerRegistration(workerID: "host:1", hostname: "host", pid: 1, concurrency: 4, version: "test"))
            try await fixture.store.heartbeat(WorkerHeartbeat(workerID: "host:1", state: .running, runningTasks: 0, holdReason: "memory below 2 GiB"))
            try await fixture.store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(600), reason: "usage limit"))
            let workers = try await client.call(.get, "/v1/workers")
            #expect(workers.status == 200)
            let worker = try #require((workers.object["workers"] as? [[String: Any]])?.first)
            #expect(worker["worker_id"] as? String == "host:1")
            #expect(worker["hold_reason"] as? String == "memory below 2 GiB")
            #expect((workers.object["holds"] as? [[String: Any]])?.first?["agent"] as? String == "claude")

            _ = try await fixture.store.submit(NewTask(taskDescription: "x"))
            let stats = try await client.call(.get, "/v1/stats")
            #expect(stats.status == 200)
            let counts = try #require(stats.object["counts_by_status"] as? [String: Int])
            #expect(counts == ["pending": 1, "running": 0, "completed": 0, "failed": 0, "cancelled": 0])
            #expect(stats.object["live_workers"] as? Int == 1)
        }
    }

    @Test("The dashboard is one self-contained page that reads the API")
    func dashboard() async throws {
        try await ServerFixture.run { _, client in
            let page = try await client.call(.get, "/")
            #expect(page.status == 200)
            #expect(page.contentType.hasPrefix("text/html"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            for path in ["/v1/stats", "/v1/workers", "/v1/tasks?", "/logs?follow=true", "/cancel", "/retry", "/v1/holds/", "EventSource"] {
                #expect(page.text.contains(path), "the dashboard uses \(path)")
            }
            for external in ["src=\"http", "href=\"http", "@import", "url(", "<link rel=\"stylesheet"] {
                #expect(!page.text.contains(external), "no external asset: \(external)")
            }
            // The page's own script and style carry this response's nonce, and the policy allows only them.
            let policy = try #require(page.headers[.contentSecurityPolicy])
            let nonce = try #require(policy.split(separator: "'").first { $0.hasPrefix("nonce-") }).dropFirst("nonce-".count)
            #expect(page.text.components(separatedBy: "nonce=\"\(nonce)\"").count == 3, "script and style carry the nonce")
            #expect(!page.text.contains("__CSP_NONCE__"))
            #expect(!policy.contains("unsafe-inline"))
            let again = try await client.call(.get, "/")
            #expect(again.headers[.contentSecurityPolicy] != policy, "a new nonce for every page load")
            #expect(page.text.contains("<html lang=\"en\">"))
        }
    }

    @Test("/openapi.json and /openapi.yaml serve the checked-in document, which describes every route")
    func openAPI() async throws {
        try await ServerFixture.run { _, client in
            let json = try await client.call(.get, "/openapi.json")
            #expect(json.status == 200)
            #expect(json.data == OpenAPIDocument.shared.data)
            let yaml = try await client.call(.get, "/openapi.yaml")
            #expect(yaml.data == OpenAPIDocument.shared.data)
            #expect(yaml.contentType.hasPrefix("application/yaml"))
        }
        let document = OpenAPIDocument.shared
        #expect(document.root["openapi"]?.stringValue == "3.1.0")
        let routes = [
            "post /v1/tasks", "get /v1/tasks", "get /v1/tasks/{id}", "post /v1/tasks/{id}/cancel", "post /v1/tasks/{id}/retry",
            "get /v1/tasks/{id}/logs", "get /v1/tasks/{id}/events", "get /v1/workers", "get /v1/stats", "get /healthz",
            "get /readyz", "get /metrics", "get /", "get /openapi.json", "get /openapi.yaml", "delete /v1/holds/{profile}",
        ]
        var documented: [String] = []
        for (path, item) in document.paths {
            for method in ["get", "post", "put", "delete", "patch"] where item[method] != nil {
                documented.append("\(method) \(path)")
            }
        }
        #expect(documented.sorted() == routes.sorted())
        // Every reference resolves.
        func references(_ value: JSONValue) -> [String] {
            switch value {
            case .object(let object): (object["$ref"]?.stringValue.map { [$0] } ?? []) + object.values.flatMap(references)
            case .array(let array): array.flatMap(references)
            default: []
            }
        }
        for reference in Set(references(document.root)) {
            #expect(document.resolve(.object(["$ref": .string(reference)])) != .null, "\(reference) resolves")
        }
    }

    @Test("A host beyond loopback needs a token")
    func loopbackOnly() {
        #expect(throws: ServerError.self) { try APIServer.Configuration(host: "0.0.0.0", port: 8080).validate() }
        #expect(throws: ServerError.self) { try APIServer.Configuration(host: "192.0.2.1", port: 8080, token: "").validate() }
        #expect(throws: ServerError.self) { try APIServer.Configuration(host: "127.0.0.1", port: 70000).validate() }
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"] {
            #expect(throws: Never.self) { try APIServer.Configuration(host: host, port: 0).validate() }
        }
        #expect(throws: Never.self) { try APIServer.Configuration(host: "0.0.0.0", port: 8080, token: "t").validate() }
    }
}
