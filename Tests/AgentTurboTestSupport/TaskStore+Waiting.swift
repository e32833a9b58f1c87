import AgentTurboCore
import Foundation

extension TaskStore {
    /// Waits until the task is in one of `statuses`, and returns it.
    public func waitForStatus(_ id: String, _ statuses: Set<TaskStatus>, timeout: Double = 120) async throws -> AgentTask {
        try await eventually("task \(id) to be \(statuses.map(\.rawValue).sorted().joined(separator: " or "))", timeout: timeout) {
            try await statuses.contains(existingTask(id).status)
        }
        return try await existingTask(id)
    }

    /// The task's output, all attempts, as text.
    public func outputText(_ id: String) async throws -> String {
        try await output(for: id, after: nil, limit: 100_000).map { String(decoding: $0.data, as: UTF8.self) }.joined()
    }
}
