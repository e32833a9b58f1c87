import Foundation

/// A task as submitted: the seed's columns with their defaults, plus the agent, its options and `run_after`.
/// JSON lines for `submit --file` and `run` use the column names; `prompt` is accepted for `task_description`.
public struct NewTask: Sendable, Hashable {
    public var taskID: String?
    public var taskType: String
    public var taskDescription: String
    public var taskPriority: Int
    public var timeoutSeconds: Int
    public var maxRetries: Int
    public var agent: String
    public var workingDir: String?
    public var agentOptions: AgentOptions
    /// Not before this time; `nil` means as soon as a worker is free.
    public var runAfter: Date?
    /// Groups the tasks `run` submitted together, so that its worker runs only them.
    public var batchID: String?
    /// Run in a fresh worktree of this repository, on a branch of the task's own (with `worktree`).
    public var repo: String?
    public var worktree: Bool
    /// The ref the task's branch starts from; `nil`: the repository's HEAD when the task first runs.
    public var base: String?

    public static let defaultTaskType = "general"
    public static let defaultPriority = 5
    public static let defaultTimeoutSeconds = 300
    public static let defaultMaxRetries = 3
    public static let defaultAgent = "claude"

    public init(
        taskID: String? = nil,
        taskType: String = NewTask.defaultTaskType,
        taskDescription: String,
        taskPriority: Int = NewTask.defaultPriority,
        timeoutSeconds: Int = NewTask.defaultTimeoutSeconds,
        maxRetries: Int = NewTask.defaultMaxRetries,
        agent: String = NewTask.defaultAgent,
        workingDir: String? = nil,
        agentOptions: AgentOptions = AgentOptions(),
        runAfter: Date? = nil,
        batchID: String? = nil,
        repo: String? = nil,
        worktree: Bool = false,
        base: String? = nil
    ) {
        self.taskID = taskID
        self.taskType = taskType
        self.taskDescription = taskDescription
        self.taskPriority = taskPriority
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
        self.agent = agent
        self.workingDir = workingDir
        self.agentOptions = agentOptions
        self.runAfter = runAfter
        self.batchID = batchID
        self.repo = repo
        self.worktree = worktree
        self.base = base
    }

    /// Longest timeout a task may ask for: a week.
    public static let maximumTimeoutSeconds = 7 * 24 * 3600
    /// Most retries a task may ask for.
    public static let maximumRetries = 100
    /// Longest prompt accepted, in bytes. Linux caps one argv element at 128 KiB: agents that can read their
    /// prompt from standard input get longer ones there, the others refuse them at submit (``AgentCatalog``).
    public static let maximumDescriptionBytes = 1 << 20

    /// Checks every field, so that nothing invalid ever reaches the store.
    public func validate() throws(InputError) {
        if let taskID {
            try TaskID.validate(taskID)
        }
        if taskDescription.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InputError("the prompt (task_description) is empty: say what the agent should do")
        }
        if taskDescription.utf8.count > Self.maximumDescriptionBytes {
            throw InputError("the prompt is \(taskDescription.utf8.count) bytes, more than the limit of 1 MiB (1048576 bytes): shorten it, or put the material in a file in the working directory and name it in the prompt")
        }
        if taskDescription.contains("\0") {
            throw InputError("the prompt contains a NUL character, which no agent can receive")
        }
        // Counted in Unicode scalars, as the OpenAPI document's maxLength counts.
        if taskType.isEmpty || taskType.unicodeScalars.count > 64 {
            throw InputError("task_type must be 1 to 64 characters, not '\(taskType)'")
        }
        guard (1...Self.maximumTimeoutSeconds).contains(timeoutSeconds) else {
            throw InputError(
                "timeout_seconds must be between 1 and \(Self.maximumTimeoutSeconds) (a week), not \(timeoutSeconds)"
            )
        }
        guard (0...Self.maximumRetries).contains(maxRetries) else {
            throw InputError("max_retries must be between 0 and \(Self.maximumRetries), not \(maxRetries)")
        }
        guard Int(Int32.min)...Int(Int32.max) ~= taskPriority else {
            throw InputError("task_priority \(taskPriority) is out of range for a 32-bit integer")
        }
        try AgentName.validate(agent)
        // By byte: String.hasPrefix compares characters, and "/" followed by a combining mark is another one.
        if let workingDir, workingDir.utf8.first != UInt8(ascii: "/") {
            throw InputError("working_dir must be an absolute path, not '\(workingDir)'")
        }
        try agentOptions.validate()
        try validateWorkspace()
    }
}

/// Names of agent profiles: lower-case letters, digits, `-` and `_`.
public enum AgentName {
    public static func validate(_ name: String) throws(InputError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }) else {
            throw InputError(
                "agent '\(name)' is not a valid profile name: use lower-case letters, digits, '-' and '_'"
            )
        }
    }
}
