extension TaskStore {
    /// A task with its attempts, audit trail and, while it is pending, the hold that keeps its profile back:
    /// what `show` prints and `GET /v1/tasks/{id}` returns.
    public func detail(of id: String) async throws -> TaskDetail {
        let task = try await existingTask(id)
        let hold = task.status == .pending ? try await activeHolds().first { $0.agent == task.agent } : nil
        return TaskDetail(task: task, attempts: try await attempts(for: id), actions: try await actions(for: id), hold: hold)
    }
}
