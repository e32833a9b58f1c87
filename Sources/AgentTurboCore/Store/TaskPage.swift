/// A task as lists show it: every column, but the prompt and the result cut to a preview, with their full sizes,
/// so that a page of fifty tasks stays small whatever their prompts hold. `GET /v1/tasks/{id}` and `show` have
/// them whole.
public struct TaskSummary: Sendable, Hashable, Encodable {
    /// The task, its `taskDescription` and `result` cut to at most ``previewCharacters`` characters.
    public var task: AgentTask
    /// The prompt's full size in UTF-8 bytes.
    public var taskDescriptionBytes: Int
    /// The result's full size in UTF-8 bytes (`nil` without a result).
    public var resultBytes: Int?

    public static let previewCharacters = 200

    public init(task: AgentTask, taskDescriptionBytes: Int, resultBytes: Int?) {
        self.task = task
        self.taskDescriptionBytes = taskDescriptionBytes
        self.resultBytes = resultBytes
    }

    /// Whether `task.taskDescription` is only the start of the prompt.
    public var taskDescriptionTruncated: Bool { task.taskDescription.utf8.count < taskDescriptionBytes }
    public var resultTruncated: Bool { (task.result?.utf8.count ?? 0) < (resultBytes ?? 0) }

    enum ExtraKeys: String, CodingKey {
        case taskDescriptionBytes = "task_description_bytes"
        case taskDescriptionTruncated = "task_description_truncated"
        case resultBytes = "result_bytes"
        case resultTruncated = "result_truncated"
    }

    /// The task's columns, then the sizes and whether each preview was cut.
    public func encode(to encoder: any Encoder) throws {
        try task.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(taskDescriptionBytes, forKey: .taskDescriptionBytes)
        try container.encode(taskDescriptionTruncated, forKey: .taskDescriptionTruncated)
        try container.encode(resultBytes, forKey: .resultBytes)
        try container.encode(resultTruncated, forKey: .resultTruncated)
    }
}

/// One page of a list, newest first, and where the next one starts.
public struct TaskPage: Sendable, Hashable {
    public var tasks: [TaskSummary]
    /// The task id to pass as `after` for the next page; `nil` on the last page. A search page may hold fewer
    /// tasks than asked and still have a next page: it looked at its share of tasks and found no more.
    public var nextAfter: String?

    public init(tasks: [TaskSummary], nextAfter: String?) {
        self.tasks = tasks
        self.nextAfter = nextAfter
    }
}
