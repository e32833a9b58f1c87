import AgentTurboCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: holds, idempotent submits, previews, search, HEAD and 405")
struct HoldAndReplayRouteTests {
    @Test("A held task says why it waits; DELETE /v1/holds/{profile} ends the hold and it can be claimed")
    func clearHold() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "held", taskDescription: "x", agent: "claude"))
            try await fixture.store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(3600), reason: "usage limit of profile claude"))
            let shown = try await client.call(.get, "/v1/tasks/held")
            #expect((shown.object["hold"] as? [String: Any])?["reason"] as? String == "usage limit of profile claude")
            let stats = try await client.call(.get, "/v1/stats")
            #expect((stats.object["holds"] as? [[String: Any]])?.map { $0["agent"] as? String } == ["claude"])
            #expect((stats.object["activity_last_hour"] as? [Any])?.count == 60)

            let cleared = try await client.call(.delete, "/v1/holds/claude")
            #expect(cleared.status == 200)
            #expect(cleared.object["agent"] as? String == "claude")
            #expect(try await client.call(.get, "/v1/tasks/held").object["hold"] is NSNull)
            #expect(try await fixture.store.holdActions(for: "claude").map(\.actor) == [nil, "api"])
            #expect(try await fixture.store.claim(ClaimRequest(workerID: "w", limit: 1, leaseSeconds: 60)).map(\.taskID) == ["held"])
            let again = try await client.call(.delete, "/v1/holds/claude")
            #expect(again.status == 404)
            #expect(again.errorMessage == "profile 'claude' is not held back: no profile is")
        }
    }

    @Test("A foreign Origin cannot clear a hold")
    func holdOriginGuard() async throws {
        try await ServerFixture.run { fixture, client in
            try await fixture.store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(3600), reason: "limit"))
            let refused = try await client.call(.delete, "/v1/holds/claude", headers: [.origin: "https://evil.example"])
            #expect(refused.status == 403)
            #expect(try await fixture.store.activeHolds().count == 1)
        }
    }

    @Test("A retried submit with the same Idempotency-Key adds nothing and answers with the first one's tasks")
    func idempotentSubmit() async throws {
        try await ServerFixture.run { fixture, client in
            let body = #"[{"prompt": "one"}, {"prompt": "two"}]"#
            let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "req-7"]
            let first = try await client.call(.post, "/v1/tasks", body: body, headers: headers)
            #expect(first.status == 201)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let retry = try await client.call(.post, "/v1/tasks", body: body, headers: headers)
            #expect(retry.status == 201)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(retry.array.map { $0["task_id"] as? String } == first.array.map { $0["task_id"] as? String })
            #expect(try await fixture.store.statusCounts(batchID: nil) == [.pending: 2])

            let other = try await client.call(.post, "/v1/tasks", body: #"[{"prompt": "three"}]"#, headers: headers)
            #expect(other.status == 422)
            #expect(other.errorCode == "idempotency_conflict")
            #expect(other.errorMessage.contains("'req-7'"))
            #expect(try await fixture.store.statusCounts(batchID: nil) == [.pending: 2])
        }
    }

    @Test("The list carries previews and sizes; the detail the whole prompt; search finds by prompt")
    func previewsAndSearch() async throws {
        try await ServerFixture.run { fixture, client in
            let prompt = "find the needle " + String(repeating: "z", count: 100_000)
            _ = try await fixture.store.submit(NewTask(taskID: "big", taskDescription: prompt))
            _ = try await fixture.store.submit(NewTask(taskID: "small", taskDescription: "hay"))
            let list = try await client.call(.get, "/v1/tasks")
            let big = try #require((list.object["tasks"] as? [[String: Any]])?.first { $0["task_id"] as? String == "big" })
            #expect((big["task_description"] as? String)?.count == TaskSummary.previewCharacters)
            #expect(big["task_description_bytes"] as? Int == prompt.utf8.count)
            #expect(big["task_description_truncated"] as? Bool == true)
            #expect(list.data.count < 4096, "a page of previews stays small")
            #expect(try await client.call(.get, "/v1/tasks/big").object["task_description"] as? String == prompt)
            let found = try await client.call(.get, "/v1/tasks?search=NEEDLE")
            #expect((found.object["tasks"] as? [[String: Any]])?.map { $0["task_id"] as? String } == ["big"])
        }
    }

    @Test("HEAD answers where GET does, without a body; a wrong method is 405 with Allow")
    func headAndMethods() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "h1", taskDescription: "x"))
            for path in ["/healthz", "/readyz", "/v1/stats", "/v1/tasks", "/v1/tasks/h1", "/metrics", "/"] {
                let head = try await client.call(.head, path)
                #expect(head.status == 200, "HEAD \(path)")
                #expect(head.data.isEmpty, "HEAD \(path)")
            }
            let wrong = try await client.call(.patch, "/v1/tasks/h1/cancel")
            #expect(wrong.status == 405)
            #expect(wrong.headers[.allow] == "POST")
            #expect(wrong.errorCode == "method_not_allowed")
        }
    }
}
