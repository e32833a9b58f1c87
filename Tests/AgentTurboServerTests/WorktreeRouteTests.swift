import AgentTurboCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AgentTurboServer

@Suite("API: worktree tasks, their branches and the disk their worktrees take")
struct WorktreeRouteTests {
    @Test("POST /v1/tasks takes repo, worktree and base; the task detail names the branch and its diff summary")
    func taskDetail() async throws {
        try await ServerFixture.run { fixture, client in
            let body = #"{"task_id": "wt-api", "task_description": "edit", "agent": "simulate", "repo": "/srv/app", "worktree": true, "base": "main"}"#
            let created = try await client.call(.post, "/v1/tasks", body: body)
            #expect(created.status == 201 || created.status == 200, "\(created.text)")
            let ref = try await fixture.claim("wt-api")
            try await fixture.store.recordWorkspace(ref, WorkspaceReport(branch: "agent-turbo/wt-api", baseCommit: "aaa"))
            _ = try await fixture.store.finish(
                [FinishRequest(attempt: ref, outcome: .completed(AgentReport()), workspace: WorkspaceReport(branch: "agent-turbo/wt-api", headCommit: "bbb", filesChanged: 2, linesAdded: 7, linesRemoved: 3))],
                retryPolicy: .standard
            )
            let detail = try await client.call(.get, "/v1/tasks/wt-api")
            #expect(detail.status == 200)
            let object = detail.object
            #expect(object["repo"] as? String == "/srv/app")
            #expect(object["worktree"] as? Bool == true)
            #expect(object["base"] as? String == "main")
            #expect(object["branch"] as? String == "agent-turbo/wt-api")
            #expect(object["base_commit"] as? String == "aaa")
            #expect(object["head_commit"] as? String == "bbb")
            #expect(object["files_changed"] as? Int == 2)
            #expect(object["lines_added"] as? Int == 7)
            #expect(object["lines_removed"] as? Int == 3)
            let refused = try await client.call(.post, "/v1/tasks", body: #"{"task_description": "x", "agent": "simulate", "worktree": true}"#)
            #expect(refused.status == 400)
            #expect(refused.errorMessage.contains("give --repo PATH"), "\(refused.text)")
        }
    }

    @Test("/v1/stats, /v1/workers and /metrics report the worktrees on live workers' hosts")
    func diskUse() async throws {
        try await ServerFixture.run { fixture, client in
            try await fixture.store.registerWorker(WorkerRegistration(workerID: "h1", hostname: "h1", pid: 1, concurrency: 1, version: "t"))
            try await fixture.store.heartbeat(WorkerHeartbeat(workerID: "h1", state: .running, runningTasks: 0, worktrees: WorktreeUsage(count: 3, bytes: 4_500_000)))
            let stats = try await client.call(.get, "/v1/stats").object
            #expect(stats["worktrees"] as? Int == 3)
            #expect(stats["worktree_bytes"] as? Int == 4_500_000)
            let workers = try await client.call(.get, "/v1/workers").object
            let first = try #require((workers["workers"] as? [[String: Any]])?.first)
            #expect(first["worktree_bytes"] as? Int == 4_500_000)
            let metrics = try PrometheusExposition(parsing: try await client.call(.get, "/metrics").text)
            #expect(metrics.value("agent_turbo_worktrees") == 3)
            #expect(metrics.value("agent_turbo_worktree_bytes") == 4_500_000)
            #expect(metrics.types["agent_turbo_worktree_bytes"] == "gauge")
        }
    }
}
