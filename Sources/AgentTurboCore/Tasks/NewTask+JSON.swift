import Foundation

extension NewTask: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case taskID = "task_id"
        case taskType = "task_type"
        case taskDescription = "task_description"
        case prompt
        case taskPriority = "task_priority"
        case timeoutSeconds = "timeout_seconds"
        case maxRetries = "max_retries"
        case agent
        case workingDir = "working_dir"
        case agentOptions = "agent_options"
        case runAfter = "run_after"
        case repo
        case worktree
        case base
    }

    /// Where a decoder finds the task whose values fill the fields a line leaves out (command-line flags).
    public static let templateKey = CodingUserInfoKey(rawValue: "agent-turbo.task-template")!

    /// Decodes one JSON object with the column names of `agent_tasks`; unknown fields are refused.
    public init(from decoder: any Decoder) throws {
        let template = decoder.userInfo[Self.templateKey] as? NewTask ?? NewTask(taskDescription: "")
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "the task")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let description = try container.decodeIfPresent(String.self, forKey: .taskDescription)
        let prompt = try container.decodeIfPresent(String.self, forKey: .prompt)
        if description != nil, prompt != nil {
            throw InputError("give either task_description or prompt, not both")
        }
        guard let text = description ?? prompt else {
            throw InputError("the task has no task_description (or prompt): say what the agent should do")
        }
        let repo = try container.decodeIfPresent(String.self, forKey: .repo) ?? template.repo
        self.init(
            taskID: try container.decodeIfPresent(String.self, forKey: .taskID),
            taskType: try container.decodeIfPresent(String.self, forKey: .taskType) ?? template.taskType,
            taskDescription: text,
            taskPriority: try container.decodeIfPresent(Int.self, forKey: .taskPriority) ?? template.taskPriority,
            timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? template.timeoutSeconds,
            maxRetries: try container.decodeIfPresent(Int.self, forKey: .maxRetries) ?? template.maxRetries,
            agent: try container.decodeIfPresent(String.self, forKey: .agent) ?? template.agent,
            // A worktree task runs in its worktree: the working folder of the command line does not apply.
            workingDir: try container.decodeIfPresent(String.self, forKey: .workingDir) ?? (repo == nil ? template.workingDir : nil),
            agentOptions: try container.decodeIfPresent(AgentOptions.self, forKey: .agentOptions)
                ?? template.agentOptions,
            runAfter: template.runAfter,
            repo: repo,
            worktree: try container.decodeIfPresent(Bool.self, forKey: .worktree) ?? template.worktree,
            base: try container.decodeIfPresent(String.self, forKey: .base) ?? template.base
        )
        if let runAfter = try container.decodeIfPresent(String.self, forKey: .runAfter) {
            self.runAfter = try TimeText.date(runAfter, what: "run_after")
        }
    }
}

/// Reads tasks from JSON lines, one object per line; blank lines and lines starting with `#` are skipped.
/// Every line is checked before anything is returned, and an error names its line.
public enum TaskLines {
    /// `template` supplies the values of fields a line leaves out; `relativeTo` resolves relative working
    /// folders; `catalog`, when given, refuses tasks whose agent could not run them.
    public static func parse(
        _ data: Data, source: String, template: NewTask? = nil, relativeTo folder: String? = nil,
        catalog: AgentCatalog? = nil
    ) throws(InputError) -> [NewTask] {
        var tasks: [NewTask] = []
        var lineNumber = 0
        let decoder = JSONDecoder()
        if let template {
            decoder.userInfo[NewTask.templateKey] = template
        }
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            let trimmed = text.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            if trimmed.isEmpty || trimmed.first == UInt8(ascii: "#") {
                continue
            }
            do {
                var task = try decoder.decode(NewTask.self, from: Data(trimmed))
                if let duplicate = DuplicateJSONKeys.first(in: Data(trimmed)) {
                    throw InputError(duplicate.message())
                }
                if let folder, let dir = task.workingDir, !dir.hasPrefix("/") {
                    task.workingDir = URL(fileURLWithPath: dir, relativeTo: URL(fileURLWithPath: folder, isDirectory: true))
                        .standardizedFileURL.path
                }
                if let folder, let repo = task.repo, !repo.hasPrefix("/"), !repo.isEmpty {
                    task.repo = URL(fileURLWithPath: repo, relativeTo: URL(fileURLWithPath: folder, isDirectory: true))
                        .standardizedFileURL.path
                }
                try task.validate()
                try catalog?.check(task)
                tasks.append(task)
            } catch {
                throw InputError("\(source) line \(lineNumber): \(describe(error))")
            }
        }
        guard !tasks.isEmpty else {
            throw InputError("\(source) holds no tasks: write one JSON object per line")
        }
        return tasks
    }

    /// Turns a decoding error into the sentence a user can act on.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as InputError:
            return error.message
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            return "\(fieldName(context)) should be \(typeName(type))"
        case DecodingError.dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "not valid JSON: write one JSON object per line, such as {\"task_description\": \"...\"}"
            }
            return "\(fieldName(context)) is not valid: \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _):
            return "missing field '\(key.stringValue)'"
        default:
            return "\(error)"
        }
    }

    private static func fieldName(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? "the line" : "'\(path)'"
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is String.Type: "a string"
        case is [String].Type: "a list of strings"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "a JSON object"
        }
    }
}
