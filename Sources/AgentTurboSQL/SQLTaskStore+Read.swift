import AgentTurboCore
import Foundation

extension SQLTaskStore {
    public func task(_ id: String) async throws -> AgentTask? {
        let columns = TaskRows.taskColumns(dialect)
        return try await database.read { connection in
            try await connection.query("SELECT \(columns) FROM agent_tasks WHERE task_id = $1", [.text(id)])
                .first.map(TaskRows.task)
        }
    }

    /// Newest first; `filter.after` continues after a task id (keyset paging).
    public func tasks(matching filter: TaskFilter) async throws -> [AgentTask] {
        try filter.validate()
        var conditions: [String] = []
        var binds: [SQLValue] = []
        func addSet(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) IN (\(placeholders(from: binds.count + 1, count: values.count)))")
            binds += values.map(SQLValue.text)
        }
        addSet("status", filter.statuses.map(\.rawValue).sorted())
        addSet("task_type", filter.taskTypes.sorted())
        addSet("agent", filter.agents.sorted())
        if let worker = filter.workerID {
            binds.append(.text(worker))
            conditions.append("assigned_worker_id = $\(binds.count)")
        }
        if let batch = filter.batchID {
            binds.append(.text(batch))
            conditions.append("batch_id = $\(binds.count)")
        }
        let order = dialect.insertionOrder
        if let after = filter.after {
            binds.append(.text(after))
            let cursor = "(SELECT created_at FROM agent_tasks WHERE task_id = $\(binds.count))"
            let cursorOrder = "(SELECT \(order) FROM agent_tasks WHERE task_id = $\(binds.count))"
            conditions.append("(created_at < \(cursor) OR (created_at = \(cursor) AND \(order) < \(cursorOrder)))")
        }
        binds.append(.int(filter.limit))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(TaskRows.taskColumns(dialect)) FROM agent_tasks \(whereClause)
            ORDER BY created_at DESC, \(order) DESC LIMIT $\(binds.count)
            """
        let finalBinds = binds
        return try await database.read { connection in
            try await connection.query(sql, finalBinds).map(TaskRows.task)
        }
    }

    public func statusCounts(batchID: String?) async throws -> [TaskStatus: Int] {
        let sql = batchID == nil
            ? "SELECT status, COUNT(*) AS n FROM agent_tasks GROUP BY status"
            : "SELECT status, COUNT(*) AS n FROM agent_tasks WHERE batch_id = $1 GROUP BY status"
        let binds: [SQLValue] = batchID.map { [.text($0)] } ?? []
        return try await database.read { connection in
            var counts: [TaskStatus: Int] = [:]
            for row in try await connection.query(sql, binds) {
                if let status = TaskStatus(rawValue: try row.string("status")) {
                    counts[status] = try row.int("n")
                }
            }
            return counts
        }
    }

    public func actions(for taskID: String) async throws -> [TaskAction] {
        let details = dialect.jsonText("details")
        return try await database.read { connection in
            try await connection.query(
                "SELECT id, task_id, action, worker_id, \(details) AS details, created_at FROM agent_actions WHERE task_id = $1 ORDER BY id",
                [.text(taskID)]
            ).map(TaskRows.action)
        }
    }

    public func attempts(for taskID: String) async throws -> [AttemptRecord] {
        try await database.read { connection in
            try await connection.query(
                "SELECT * FROM agent_attempts WHERE task_id = $1 ORDER BY attempt",
                [.text(taskID)]
            ).map(TaskRows.attempt)
        }
    }
}
