import AgentTurboCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: bearer token")
struct AuthTests {
    static let protectedRoutes: [(HTTPRequest.Method, String)] = [
        (.get, "/v1/tasks"), (.post, "/v1/tasks"), (.get, "/v1/tasks/a1"), (.post, "/v1/tasks/a1/cancel"),
        (.post, "/v1/tasks/a1/retry"), (.get, "/v1/tasks/a1/logs"), (.get, "/v1/tasks/a1/events"), (.get, "/v1/workers"),
        (.get, "/v1/stats"), (.get, "/readyz"), (.get, "/metrics"), (.get, "/"), (.get, "/openapi.json"),
        (.get, "/openapi.yaml"), (.get, "/no/such/route"),
    ]

    @Test("With a token, every route but /healthz wants it (401 with the error body otherwise)")
    func tokenRequired() async throws {
        try await ServerFixture.run(token: "s3cret") { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "a1", taskDescription: "x"))
            for (method, path) in Self.protectedRoutes {
                let missing = try await client.call(method, path)
                #expect(missing.status == 401, "\(method) \(path)")
                #expect(missing.errorCode == "unauthorized")
                #expect(missing.headers[.wwwAuthenticate] == "Bearer")
                let wrong = try await client.call(method, path, headers: [.authorization: "Bearer s3cret-not"])
                #expect(wrong.status == 401, "\(method) \(path)")
            }
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == 200)

            let authorized: HTTPFields = [.authorization: "Bearer s3cret"]
            #expect(try await client.call(.get, "/v1/tasks", headers: authorized).status == 200)
            #expect(try await client.call(.get, "/metrics", headers: authorized).status == 200)
            let created = try await client.call(.post, "/v1/tasks", body: #"{"prompt": "y"}"#, headers: authorized)
            #expect(created.status == 201)
            #expect(try await fixture.store.statusCounts(batchID: nil)[.pending] == 2)
        }
    }

    @Test("Without a token every route is open")
    func tokenOff() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "a1", taskDescription: "x"))
            for path in ["/v1/tasks", "/v1/tasks/a1", "/v1/stats", "/v1/workers", "/metrics", "/", "/healthz", "/readyz"] {
                #expect(try await client.call(.get, path).status == 200, "\(path)")
            }
        }
    }
}
