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
        let page = try await listRows(filter, columns: TaskRows.taskColumns(dialect))
        return try page.rows.prefix(filter.limit).map(TaskRows.task)
    }

    public func taskPage(matching filter: TaskFilter) async throws -> TaskPage {
        let page = try await listRows(filter, columns: TaskRows.previewColumns(dialect))
        let tasks = try page.rows.prefix(filter.limit).map(TaskRows.summary)
        let nextAfter = page.rows.count > filter.limit ? tasks.last?.task.taskID : page.windowEnd
        return TaskPage(tasks: tasks, nextAfter: nextAfter)
    }

    /// Up to `filter.limit + 1` rows of the list (one more tells that another page follows), read in one snapshot.
    /// A search looks at the next ``TaskFilter/searchWindow`` tasks only; `windowEnd` is the last of them when
    /// more follow, so that the next page goes on from there.
    private func listRows(_ filter: TaskFilter, columns: String) async throws -> (rows: [SQLRow], windowEnd: String?) {
        try filter.validate()
        let dialect = dialect
        return try await database.read { connection in
            if let after = filter.after,
                try await connection.query("SELECT task_id FROM agent_tasks WHERE task_id = $1", [.text(after)]).isEmpty
            {
                throw StoreError(.notFound, "after names no task: '\(after)' does not exist (use next_after of the previous page)")
            }
            guard let search = filter.search, !search.isEmpty else {
                var query = TaskListQuery(filter: filter, dialect: dialect)
                let sql = query.sql(select: columns, limit: filter.limit + 1)
                return (try await connection.query(sql, query.binds), nil)
            }
            var window = TaskListQuery(filter: filter, dialect: dialect)
            let windowSQL = window.sql(select: "task_id, created_at", limit: 1, offset: TaskFilter.searchWindow - 1)
            let windowEnd = try await connection.query(windowSQL, window.binds).first?.string("task_id")
            var query = TaskListQuery(filter: filter, dialect: dialect)
            let exact = query.bind(.text(search))
            let pattern = query.bind(.text("%" + Self.likeEscaped(search.lowercased()) + "%"))
            var extra = [
                "(task_id = \(exact) OR LOWER(task_id) LIKE \(pattern) ESCAPE '\\' "
                    + "OR LOWER(task_description) LIKE \(pattern) ESCAPE '\\' "
                    + "OR LOWER(COALESCE(error, '')) LIKE \(pattern) ESCAPE '\\')"
            ]
            if let windowEnd {
                let end = query.bind(.text(windowEnd))
                let order = dialect.insertionOrder
                extra.append("(created_at, \(order)) >= (SELECT created_at, \(order) FROM agent_tasks WHERE task_id = \(end))")
            }
            let sql = query.sql(select: columns, extra: extra, limit: filter.limit + 1)
            return (try await connection.query(sql, query.binds), windowEnd)
        }
    }

    /// `%`, `_` and `\` taken literally in a LIKE pattern with `ESCAPE '\'`.
    static func likeEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" {
                escaped.append("\\")
            }
            escaped.append(character)
        }
        return escaped
    }

    public func statusCounts(batchID: String?) async throws -> [TaskStatus: Int] {
        // All tasks: the counters the triggers keep. One batch: its index.
        let sql = batchID == nil
            ? "SELECT status, CAST(SUM(n) AS BIGINT) AS n FROM agent_task_counts GROUP BY status"
            : "SELECT status, COUNT(*) AS n FROM agent_tasks WHERE batch_id = $1 GROUP BY status"
        let binds: [SQLValue] = batchID.map { [.text($0)] } ?? []
        return try await database.read { connection in
            var counts: [TaskStatus: Int] = [:]
            for row in try await connection.query(sql, binds) {
                if let status = TaskStatus(rawValue: try row.string("status")), let n = row.optionalInt("n"), n != 0 {
                    counts[status] = n
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
