import Foundation

/// One row of `agent_tasks`. Property names follow Swift; the JSON keys (`--json`, the API) are the column
/// names of SPEC §1, so scripts written against the seed's schema read them unchanged.
public struct AgentTask: Sendable, Hashable, Codable {
    public var taskID: String
    public var taskType: String
    public var taskDescription: String
    public var taskPriority: Int
    public var status: TaskStatus
    public var timeoutSeconds: Int
    public var maxRetries: Int
    /// Failed attempts that were given another try; rate limits and shutdown requeues do not count.
    public var retryCount: Int
    /// How many times the task has been claimed; the lease guard compares it.
    public var attempt: Int
    /// The lease owner while running; the last worker to run it afterwards.
    public var assignedWorkerID: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var durationSec: Double?
    public var result: String?
    public var error: String?
    public var agent: String
    public var workingDir: String?
    public var agentOptions: AgentOptions
    public var runAfter: Date
    public var leaseExpiresAt: Date?
    public var cancelRequested: Bool
    public var exitCode: Int?
    public var errorKind: ErrorKind?
    public var sessionID: String?
    public var costUSD: Double?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var numTurns: Int?
    public var peakMemoryBytes: Int?
    public var cpuUserSec: Double?
    public var cpuSystemSec: Double?
    /// Set on the tasks of one `run` batch.
    public var batchID: String?
    /// What a running agent reported so far (turns, tool uses, estimated cost), as JSON text.
    public var progress: String?
    /// Seconds the task has been put back for rate and usage limits so far; past `--max-rate-limit-wait` the
    /// next limit fails it (`error_kind` `rate_limited`). `retry` starts it again from 0.
    public var rateLimitedSec: Double
    /// The repository whose worktree the task runs in (with `worktree`).
    public var repo: String?
    public var worktree: Bool
    /// The ref the task's branch starts from; `nil`: the repository's HEAD.
    public var base: String?
    /// The task's branch and what is on it, once a worker made its worktree.
    public var workspace: WorkspaceReport?

    public init(
        taskID: String, taskType: String, taskDescription: String, taskPriority: Int, status: TaskStatus,
        timeoutSeconds: Int, maxRetries: Int, retryCount: Int, attempt: Int, assignedWorkerID: String?,
        createdAt: Date, updatedAt: Date, startedAt: Date?, completedAt: Date?, durationSec: Double?,
        result: String?, error: String?, agent: String, workingDir: String?, agentOptions: AgentOptions,
        runAfter: Date, leaseExpiresAt: Date?, cancelRequested: Bool, exitCode: Int?, errorKind: ErrorKind?,
        sessionID: String?, costUSD: Double?, inputTokens: Int?, outputTokens: Int?, numTurns: Int?,
        peakMemoryBytes: Int?, cpuUserSec: Double?, cpuSystemSec: Double?, batchID: String? = nil,
        progress: String? = nil, rateLimitedSec: Double = 0, repo: String? = nil, worktree: Bool = false,
        base: String? = nil, workspace: WorkspaceReport? = nil
    ) {
        self.taskID = taskID
        self.taskType = taskType
        self.taskDescription = taskDescription
        self.taskPriority = taskPriority
        self.status = status
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
        self.retryCount = retryCount
        self.attempt = attempt
        self.assignedWorkerID = assignedWorkerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.durationSec = durationSec
        self.result = result
        self.error = error
        self.agent = agent
        self.workingDir = workingDir
        self.agentOptions = agentOptions
        self.runAfter = runAfter
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelRequested = cancelRequested
        self.exitCode = exitCode
        self.errorKind = errorKind
        self.sessionID = sessionID
        self.costUSD = costUSD
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.numTurns = numTurns
        self.peakMemoryBytes = peakMemoryBytes
        self.cpuUserSec = cpuUserSec
        self.cpuSystemSec = cpuSystemSec
        self.batchID = batchID
        self.progress = progress
        self.rateLimitedSec = rateLimitedSec
        self.repo = repo
        self.worktree = worktree
        self.base = base
        self.workspace = workspace
    }

    /// The reference a worker holds while it runs this attempt; every write about the attempt is guarded by it.
    public var attemptRef: AttemptRef? {
        assignedWorkerID.map { AttemptRef(taskID: taskID, workerID: $0, attempt: attempt) }
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case taskID = "task_id"
        case taskType = "task_type"
        case taskDescription = "task_description"
        case taskPriority = "task_priority"
        case status
        case timeoutSeconds = "timeout_seconds"
        case maxRetries = "max_retries"
        case retryCount = "retry_count"
        case attempt
        case assignedWorkerID = "assigned_worker_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case durationSec = "duration_sec"
        case result
        case error
        case agent
        case workingDir = "working_dir"
        case agentOptions = "agent_options"
        case runAfter = "run_after"
        case leaseExpiresAt = "lease_expires_at"
        case cancelRequested = "cancel_requested"
        case exitCode = "exit_code"
        case errorKind = "error_kind"
        case sessionID = "session_id"
        case costUSD = "cost_usd"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case numTurns = "num_turns"
        case peakMemoryBytes = "peak_memory_bytes"
        case cpuUserSec = "cpu_user_sec"
        case cpuSystemSec = "cpu_system_sec"
        case batchID = "batch_id"
        case progress
        case rateLimitedSec = "rate_limited_sec"
        case repo
        case worktree
        case base
        case branch
        case baseCommit = "base_commit"
        case headCommit = "head_commit"
        case filesChanged = "files_changed"
        case linesAdded = "lines_added"
        case linesRemoved = "lines_removed"
    }

    /// Encodes every column, `null` included, so a reader sees the whole schema in every object.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(taskID, forKey: .taskID)
        try c.encode(taskType, forKey: .taskType)
        try c.encode(taskDescription, forKey: .taskDescription)
        try c.encode(taskPriority, forKey: .taskPriority)
        try c.encode(status, forKey: .status)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(maxRetries, forKey: .maxRetries)
        try c.encode(retryCount, forKey: .retryCount)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(assignedWorkerID, forKey: .assignedWorkerID)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(completedAt, forKey: .completedAt)
        try c.encode(durationSec, forKey: .durationSec)
        try c.encode(result, forKey: .result)
        try c.encode(error, forKey: .error)
        try c.encode(agent, forKey: .agent)
        try c.encode(workingDir, forKey: .workingDir)
        try c.encode(agentOptions, forKey: .agentOptions)
        try c.encode(runAfter, forKey: .runAfter)
        try c.encode(leaseExpiresAt, forKey: .leaseExpiresAt)
        try c.encode(cancelRequested, forKey: .cancelRequested)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(errorKind, forKey: .errorKind)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(costUSD, forKey: .costUSD)
        try c.encode(inputTokens, forKey: .inputTokens)
        try c.encode(outputTokens, forKey: .outputTokens)
        try c.encode(numTurns, forKey: .numTurns)
        try c.encode(peakMemoryBytes, forKey: .peakMemoryBytes)
        try c.encode(cpuUserSec, forKey: .cpuUserSec)
        try c.encode(cpuSystemSec, forKey: .cpuSystemSec)
        try c.encode(batchID, forKey: .batchID)
        try c.encode(progress.map(JSONValue.init(parsing:)), forKey: .progress)
        try c.encode(rateLimitedSec, forKey: .rateLimitedSec)
        try c.encode(repo, forKey: .repo)
        try c.encode(worktree, forKey: .worktree)
        try c.encode(base, forKey: .base)
        try c.encode(workspace?.branch, forKey: .branch)
        try c.encode(workspace?.baseCommit, forKey: .baseCommit)
        try c.encode(workspace?.headCommit, forKey: .headCommit)
        try c.encode(workspace?.filesChanged, forKey: .filesChanged)
        try c.encode(workspace?.linesAdded, forKey: .linesAdded)
        try c.encode(workspace?.linesRemoved, forKey: .linesRemoved)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            taskID: try c.decode(String.self, forKey: .taskID),
            taskType: try c.decode(String.self, forKey: .taskType),
            taskDescription: try c.decode(String.self, forKey: .taskDescription),
            taskPriority: try c.decode(Int.self, forKey: .taskPriority),
            status: try c.decode(TaskStatus.self, forKey: .status),
            timeoutSeconds: try c.decode(Int.self, forKey: .timeoutSeconds),
            maxRetries: try c.decode(Int.self, forKey: .maxRetries),
            retryCount: try c.decode(Int.self, forKey: .retryCount),
            attempt: try c.decode(Int.self, forKey: .attempt),
            assignedWorkerID: try c.decodeIfPresent(String.self, forKey: .assignedWorkerID),
            createdAt: try c.decode(Date.self, forKey: .createdAt),
            updatedAt: try c.decode(Date.self, forKey: .updatedAt),
            startedAt: try c.decodeIfPresent(Date.self, forKey: .startedAt),
            completedAt: try c.decodeIfPresent(Date.self, forKey: .completedAt),
            durationSec: try c.decodeIfPresent(Double.self, forKey: .durationSec),
            result: try c.decodeIfPresent(String.self, forKey: .result),
            error: try c.decodeIfPresent(String.self, forKey: .error),
            agent: try c.decode(String.self, forKey: .agent),
            workingDir: try c.decodeIfPresent(String.self, forKey: .workingDir),
            agentOptions: try c.decodeIfPresent(AgentOptions.self, forKey: .agentOptions) ?? AgentOptions(),
            runAfter: try c.decode(Date.self, forKey: .runAfter),
            leaseExpiresAt: try c.decodeIfPresent(Date.self, forKey: .leaseExpiresAt),
            cancelRequested: try c.decode(Bool.self, forKey: .cancelRequested),
            exitCode: try c.decodeIfPresent(Int.self, forKey: .exitCode),
            errorKind: try c.decodeIfPresent(ErrorKind.self, forKey: .errorKind),
            sessionID: try c.decodeIfPresent(String.self, forKey: .sessionID),
            costUSD: try c.decodeIfPresent(Double.self, forKey: .costUSD),
            inputTokens: try c.decodeIfPresent(Int.self, forKey: .inputTokens),
            outputTokens: try c.decodeIfPresent(Int.self, forKey: .outputTokens),
            numTurns: try c.decodeIfPresent(Int.self, forKey: .numTurns),
            peakMemoryBytes: try c.decodeIfPresent(Int.self, forKey: .peakMemoryBytes),
            cpuUserSec: try c.decodeIfPresent(Double.self, forKey: .cpuUserSec),
            cpuSystemSec: try c.decodeIfPresent(Double.self, forKey: .cpuSystemSec),
            batchID: try c.decodeIfPresent(String.self, forKey: .batchID),
            progress: try c.decodeIfPresent(JSONValue.self, forKey: .progress)
                .map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) },
            rateLimitedSec: try c.decodeIfPresent(Double.self, forKey: .rateLimitedSec) ?? 0,
            repo: try c.decodeIfPresent(String.self, forKey: .repo),
            worktree: try c.decodeIfPresent(Bool.self, forKey: .worktree) ?? false,
            base: try c.decodeIfPresent(String.self, forKey: .base),
            workspace: try c.decodeIfPresent(String.self, forKey: .branch).map { branch in
                WorkspaceReport(
                    branch: branch, baseCommit: try c.decodeIfPresent(String.self, forKey: .baseCommit),
                    headCommit: try c.decodeIfPresent(String.self, forKey: .headCommit),
                    filesChanged: try c.decodeIfPresent(Int.self, forKey: .filesChanged),
                    linesAdded: try c.decodeIfPresent(Int.self, forKey: .linesAdded),
                    linesRemoved: try c.decodeIfPresent(Int.self, forKey: .linesRemoved)
                )
            }
        )
    }
}
