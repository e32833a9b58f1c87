import AgentTurboCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: tasks")
struct TaskRouteTests {
    @Test("POST one task: 201 with the stored task, a Location, and its audit trail")
    func submitOne() async throws {
        try await ServerFixture.run { fixture, client in
            let created = try await client.call(
                .post, "/v1/tasks",
                body: #"{"task_id": "review-auth", "task_description": "Review auth.py", "task_priority": 8, "agent": "simulate", "agent_options": {"model": "m1"}}"#,
                headers: [.contentType: "application/json; charset=utf-8"]
            )
            #expect(created.status == 201)
            #expect(created.headers[.location] == "/v1/tasks/review-auth")
            #expect(created.object["task_id"] as? String == "review-auth")
            #expect(created.object["status"] as? String == "pending")
            #expect(created.object["task_priority"] as? Int == 8)
            #expect((created.object["agent_options"] as? [String: Any])?["model"] as? String == "m1")
            #expect(created.object.keys.contains("progress"), "every column is present, null included")

            let shown = try await client.call(.get, "/v1/tasks/review-auth")
            #expect(shown.status == 200)
            #expect(shown.object["task_description"] as? String == "Review auth.py")
            #expect((shown.object["attempts"] as? [Any])?.isEmpty == true)
            let actions = try #require(shown.object["actions"] as? [[String: Any]])
            #expect(actions.map { $0["action"] as? String } == ["created"])
            #expect((actions[0]["details"] as? [String: Any])?["by"] as? String == "api")

            let events = try await client.call(.get, "/v1/tasks/review-auth/events")
            #expect(events.status == 200)
            #expect((events.object["events"] as? [[String: Any]])?.first?["action"] as? String == "created")
        }
    }

    @Test("POST an array: one transaction, 201 with the tasks in order; prompt is accepted for task_description")
    func submitBatch() async throws {
        try await ServerFixture.run { fixture, client in
            let created = try await client.call(
                .post, "/v1/tasks",
                body: #"[{"task_id": "a", "prompt": "one"}, {"task_id": "b", "task_description": "two", "run_after": "+1h"}, {"task_id": "c", "prompt": "three", "task_type": "docs"}]"#
            )
            #expect(created.status == 201)
            #expect(created.array.map { $0["task_id"] as? String } == ["a", "b", "c"])
            #expect(created.array[0]["task_description"] as? String == "one")
            #expect(try await fixture.store.statusCounts(batchID: nil)[.pending] == 3)
        }
    }

    @Test("GET /v1/tasks pages newest first with next_after, and filters")
    func listAndPage() async throws {
        try await ServerFixture.run { fixture, client in
            for id in ["t1", "t2", "t3"] {
                _ = try await fixture.store.submit(NewTask(
                    taskID: id, taskType: id == "t2" ? "docs" : "general", taskDescription: "x",
                    taskPriority: id == "t3" ? 9 : 5, agent: id == "t3" ? "simulate" : "claude"
                ))
            }
            let first = try await client.call(.get, "/v1/tasks?limit=2")
            #expect(first.status == 200)
            let firstIDs = (first.object["tasks"] as? [[String: Any]])?.map { $0["task_id"] as? String }
            #expect(firstIDs == ["t3", "t2"])
            #expect(first.object["next_after"] as? String == "t2")

            let second = try await client.call(.get, "/v1/tasks?limit=2&after=t2")
            #expect((second.object["tasks"] as? [[String: Any]])?.map { $0["task_id"] as? String } == ["t1"])
            #expect(second.object["next_after"] is NSNull)

            let docs = try await client.call(.get, "/v1/tasks?type=docs")
            #expect((docs.object["tasks"] as? [[String: Any]])?.map { $0["task_id"] as? String } == ["t2"])
            let simulated = try await client.call(.get, "/v1/tasks?agent=simulate&status=pending,running")
            #expect((simulated.object["tasks"] as? [[String: Any]])?.map { $0["task_id"] as? String } == ["t3"])
            let none = try await client.call(.get, "/v1/tasks?status=completed")
            #expect((none.object["tasks"] as? [Any])?.isEmpty == true)
            #expect(none.object["next_after"] is NSNull)

            _ = try await fixture.claim("t3", worker: "w9")
            let byWorker = try await client.call(.get, "/v1/tasks?worker=w9")
            #expect((byWorker.object["tasks"] as? [[String: Any]])?.map { $0["task_id"] as? String } == ["t3"])
        }
    }

    @Test("Cancel a pending task, retry it, and refuse to retry a pending one (409)")
    func cancelAndRetry() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "c1", taskDescription: "x"))
            let cancelled = try await client.call(.post, "/v1/tasks/c1/cancel", body: #"{"reason": "not needed"}"#)
            #expect(cancelled.status == 200)
            #expect(cancelled.object["outcome"] as? String == "cancelled")
            #expect((cancelled.object["task"] as? [String: Any])?["status"] as? String == "cancelled")

            let again = try await client.call(.post, "/v1/tasks/c1/cancel")
            #expect(again.object["outcome"] as? String == "already_finished")

            let retried = try await client.call(.post, "/v1/tasks/c1/retry")
            #expect(retried.status == 200)
            #expect(retried.object["status"] as? String == "pending")

            let refused = try await client.call(.post, "/v1/tasks/c1/retry")
            #expect(refused.status == 409)
            #expect(refused.errorCode == "invalid_state")
            #expect(refused.errorMessage.contains("pending"))

            let trail = try await fixture.store.actions(for: "c1").map(\.action.rawValue)
            #expect(trail == ["created", "cancelled", "retried"])
        }
    }

    @Test("Cancel a running task asks its worker to stop it")
    func cancelRunning() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "r1", taskDescription: "x"))
            _ = try await fixture.claim("r1")
            let requested = try await client.call(.post, "/v1/tasks/r1/cancel")
            #expect(requested.object["outcome"] as? String == "cancel_requested")
            #expect((requested.object["task"] as? [String: Any])?["cancel_requested"] as? Bool == true)
            #expect(try await fixture.store.cancelRequests(workerID: "w1").map(\.taskID) == ["r1"])
        }
    }

    @Test("Unknown ids answer 404 not_found on every task route", arguments: [
        ("GET", "/v1/tasks/nope"), ("POST", "/v1/tasks/nope/cancel"), ("POST", "/v1/tasks/nope/retry"),
        ("GET", "/v1/tasks/nope/logs"), ("GET", "/v1/tasks/nope/logs?follow=true"), ("GET", "/v1/tasks/nope/events"),
    ])
    func unknownID(method: String, path: String) async throws {
        try await ServerFixture.run { _, client in
            let response = try await client.call(.init(method)!, path)
            #expect(response.status == 404)
            #expect(response.errorCode == "not_found")
            #expect(response.errorMessage.contains("'nope'"))
        }
    }
}
