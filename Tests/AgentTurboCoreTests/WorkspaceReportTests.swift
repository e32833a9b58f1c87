import AgentTurboCore
import Foundation
import Testing

@Suite("Tasks: the workspace report")
struct WorkspaceReportTests {
    @Test("A task as JSON carries its repository, branch and diff summary under the column names")
    func encoded() throws {
        var task = AgentTask(
            taskID: "t", taskType: "general", taskDescription: "x", taskPriority: 5, status: .completed, timeoutSeconds: 300,
            maxRetries: 3, retryCount: 0, attempt: 1, assignedWorkerID: "w", createdAt: Date(), updatedAt: Date(),
            startedAt: nil, completedAt: nil, durationSec: nil, result: nil, error: nil, agent: "simulate", workingDir: nil,
            agentOptions: AgentOptions(), runAfter: Date(), leaseExpiresAt: nil, cancelRequested: false, exitCode: nil,
            errorKind: nil, sessionID: nil, costUSD: nil, inputTokens: nil, outputTokens: nil, numTurns: nil,
            peakMemoryBytes: nil, cpuUserSec: nil, cpuSystemSec: nil, repo: "/srv/app", worktree: true, base: nil
        )
        task.workspace = WorkspaceReport(branch: "agent-turbo/t", baseCommit: "a", headCommit: "b", filesChanged: 2, linesAdded: 5, linesRemoved: 1)
        let data = try JSONEncoder().encode(task)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["branch"] as? String == "agent-turbo/t")
        #expect(object["head_commit"] as? String == "b")
        #expect(object["files_changed"] as? Int == 2)
        #expect(object["worktree"] as? Bool == true)
        #expect(object.keys.contains("base"), "every column is present, null included")
        #expect(try JSONDecoder().decode(AgentTask.self, from: data).workspace == task.workspace)
        #expect(task.workspace?.diffText == "2 files, +5 -1")
    }
}
