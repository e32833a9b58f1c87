import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// A retry policy with no delay, so a retried task can be claimed again at once.
let immediateRetry = RetryPolicy(baseSeconds: 0, multiplier: 2, maximumSeconds: 0, jitter: 0)

func task(_ prompt: String = "Calculate 5 + 7", id: String? = nil, priority: Int = 5, retries: Int = 3,
          agent: String = "simulate", runAfter: Date? = nil) -> NewTask {
    NewTask(taskID: id, taskDescription: prompt, taskPriority: priority, maxRetries: retries, agent: agent, runAfter: runAfter)
}

/// The audit trail of a task as action names, in order.
func actionNames(_ store: any TaskStore, _ id: String) async throws -> [String] {
    try await store.actions(for: id).map(\.action.rawValue)
}

/// Claims exactly one task for `worker` and returns it.
func claimOne(_ store: any TaskStore, worker: String = "w1", lease: Double = 60) async throws -> AgentTask {
    let claimed = try await store.claim(ClaimRequest(workerID: worker, limit: 1, leaseSeconds: lease))
    return try #require(claimed.first, "expected a task to claim")
}

extension AgentTask {
    var ref: AttemptRef { attemptRef! }
}

/// Makes every lease in the database expire now, as if its worker had been silent for a long time.
func expireLeases(_ store: any TaskStore, _ ids: [String]) async throws {
    for id in ids {
        let task = try await store.existingTask(id)
        _ = try await store.renewLeases([task.ref], leaseSeconds: -10)
    }
}
