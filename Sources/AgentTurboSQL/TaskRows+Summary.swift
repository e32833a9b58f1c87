import AgentTurboCore

extension TaskRows {
    /// The columns of a list row: every column, the prompt and the result cut to a preview in SQL (so a
    /// megabyte prompt is never read whole), and their full sizes in bytes.
    static func previewColumns(_ dialect: any SQLDialect) -> String {
        let preview = TaskSummary.previewCharacters
        return taskColumnNames.map { name in
            switch name {
            case "task_description", "result": "substr(\(name), 1, \(preview)) AS \(name)"
            default: jsonColumns.contains(name) ? "\(dialect.jsonText(name)) AS \(name)" : name
            }
        }.joined(separator: ", ")
            + ", octet_length(task_description) AS task_description_bytes, octet_length(result) AS result_bytes"
    }

    static func summary(_ row: SQLRow) throws -> TaskSummary {
        let task = try TaskRows.task(row)
        return TaskSummary(
            task: task, taskDescriptionBytes: row.optionalInt("task_description_bytes") ?? task.taskDescription.utf8.count,
            resultBytes: row.optionalInt("result_bytes")
        )
    }
}
