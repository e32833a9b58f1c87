import AgentTurboCore
import Foundation

/// The SQL of a task list, newest first, built so that each filter is read from its own index (schema 4):
///
/// - one filter drives the query (the batch, the worker, the states, the profiles or the types, in that order of
///   preference); for each of its values a subquery reads `LIMIT` rows from the index `(value, created_at, order)`,
///   and the subqueries are merged, so a page costs `LIMIT` index rows per value, never a sort of the table;
/// - the other filters are written through `SQLDialect.withoutIndex` (SQLite's `+column`), so SQLite, which has
///   no statistics, evaluates them on the rows read instead of starting from another index and sorting;
///   PostgreSQL's planner gets the plain column and its statistics;
/// - the cursor is a row value `(created_at, order) < (SELECT ... WHERE task_id = ...)`, which both engines seek
///   in the index (read in SQL, not bound as a value, so no timestamp loses precision on the way).
///
/// Placeholders repeat across the subqueries (`$3` in each), which both engines allow.
struct TaskListQuery {
    let filter: TaskFilter
    let dialect: any SQLDialect
    /// The task id the list continues after (it must exist), if not `filter.after`.
    var after: String?

    private(set) var binds: [SQLValue] = []

    init(filter: TaskFilter, dialect: any SQLDialect) {
        self.filter = filter
        self.dialect = dialect
        self.after = filter.after
    }

    /// The column that breaks ties of `created_at`, as `list_order` in every row.
    var order: String { dialect.insertionOrder }

    private enum Dimension {
        case batch, worker, status, agent, type
    }

    private var driving: (Dimension, column: String, values: [String])? {
        if let batch = filter.batchID { return (.batch, "batch_id", [batch]) }
        if let worker = filter.workerID { return (.worker, "assigned_worker_id", [worker]) }
        if !filter.statuses.isEmpty { return (.status, "status", filter.statuses.map(\.rawValue).sorted()) }
        if !filter.agents.isEmpty { return (.agent, "agent", filter.agents.sorted()) }
        if !filter.taskTypes.isEmpty { return (.type, "task_type", filter.taskTypes.sorted()) }
        return nil
    }

    /// Adds a value and returns its placeholder.
    mutating func bind(_ value: SQLValue) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// `SELECT select FROM agent_tasks WHERE <filters> AND extra ORDER BY newest LIMIT limit OFFSET offset`,
    /// where `select` must include `created_at` and may name `list_order`.
    mutating func sql(select: String, extra: [String] = [], limit: Int, offset: Int = 0) -> String {
        let driving = driving
        var conditions: [String] = []
        func others(_ dimension: Dimension, _ column: String, _ values: [String]) -> String? {
            guard !values.isEmpty, driving?.0 != dimension else { return nil }
            return "\(dialect.withoutIndex(column)) IN (\(values.map { bind(.text($0)) }.joined(separator: ", ")))"
        }
        let otherConditions = [
            others(.batch, "batch_id", filter.batchID.map { [$0] } ?? []),
            others(.worker, "assigned_worker_id", filter.workerID.map { [$0] } ?? []),
            others(.status, "status", filter.statuses.map(\.rawValue).sorted()),
            others(.agent, "agent", filter.agents.sorted()),
            others(.type, "task_type", filter.taskTypes.sorted()),
        ]
        conditions += otherConditions.compactMap { $0 }
        if let after {
            let id = bind(.text(after))
            conditions.append(
                "(created_at, \(order)) < (SELECT created_at, \(order) FROM agent_tasks WHERE task_id = \(id))"
            )
        }
        conditions += extra
        let limitParam = bind(.int(limit))
        let columns = "\(select), \(order) AS list_order"
        let newest = "ORDER BY created_at DESC, \(order) DESC"
        guard let driving else {
            let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let offsetText = offset > 0 ? " OFFSET \(bind(.int(offset)))" : ""
            return "SELECT \(columns) FROM agent_tasks\(whereClause) \(newest) LIMIT \(limitParam)\(offsetText)"
        }
        func part(_ value: String, limit: String) -> String {
            let all = ["\(driving.column) = \(bind(.text(value)))"] + conditions
            return "SELECT \(columns) FROM agent_tasks WHERE \(all.joined(separator: " AND ")) \(newest) LIMIT \(limit)"
        }
        if driving.values.count == 1 {
            let single = part(driving.values[0], limit: limitParam)
            return single + (offset > 0 ? " OFFSET \(bind(.int(offset)))" : "")
        }
        // Each subquery reads at most limit + offset rows of its own index range.
        let innerLimit = offset > 0 ? bind(.int(limit + offset)) : limitParam
        let parts = driving.values.map { part($0, limit: innerLimit) }
        let union = parts.enumerated().map { "SELECT * FROM (\($1)) AS part\($0)" }.joined(separator: " UNION ALL ")
        let offsetText = offset > 0 ? " OFFSET \(bind(.int(offset)))" : ""
        return "SELECT * FROM (\(union)) AS merged ORDER BY created_at DESC, list_order DESC LIMIT \(limitParam)\(offsetText)"
    }
}
