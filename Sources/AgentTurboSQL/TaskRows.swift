import AgentTurboCore
import Foundation

/// The column lists of the store's tables and the decoding of their rows, shared by both engines.
enum TaskRows {
    static let taskColumnNames = AgentTask.CodingKeys.allCases.map(\.rawValue)
    static let jsonColumns: Set<String> = ["agent_options", "progress"]

    /// `SELECT` list for `agent_tasks`, JSON read back as text.
    static func taskColumns(_ dialect: any SQLDialect, table: String? = nil) -> String {
        let prefix = table.map { "\($0)." } ?? ""
        return taskColumnNames.map { name in
            jsonColumns.contains(name) ? "\(dialect.jsonText(prefix + name)) AS \(name)" : prefix + name
        }.joined(separator: ", ")
    }

    static func task(_ row: SQLRow) throws -> AgentTask {
        let statusText = try row.string("status")
        guard let status = TaskStatus(rawValue: statusText) else {
            throw StoreError(
                .unreadableRow,
                "task '\(row.optionalString("task_id") ?? "?")' has status '\(statusText)', which this agent-turbo does not know: fix the row or upgrade agent-turbo"
            )
        }
        let optionsText = row.optionalString("agent_options") ?? "{}"
        let options = (try? JSONDecoder().decode(AgentOptions.self, from: Data(optionsText.utf8))) ?? AgentOptions()
        return AgentTask(
            taskID: try row.string("task_id"),
            taskType: row.optionalString("task_type") ?? NewTask.defaultTaskType,
            taskDescription: row.optionalString("task_description") ?? "",
            taskPriority: row.optionalInt("task_priority") ?? NewTask.defaultPriority,
            status: status,
            timeoutSeconds: row.optionalInt("timeout_seconds") ?? NewTask.defaultTimeoutSeconds,
            maxRetries: row.optionalInt("max_retries") ?? NewTask.defaultMaxRetries,
            retryCount: row.optionalInt("retry_count") ?? 0,
            attempt: row.optionalInt("attempt") ?? 0,
            assignedWorkerID: row.optionalString("assigned_worker_id"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.optionalDate("updated_at") ?? row.date("created_at"),
            startedAt: row.optionalDate("started_at"),
            completedAt: row.optionalDate("completed_at"),
            durationSec: row.optionalDouble("duration_sec"),
            result: row.optionalString("result"),
            error: row.optionalString("error"),
            agent: row.optionalString("agent") ?? NewTask.defaultAgent,
            workingDir: row.optionalString("working_dir"),
            agentOptions: options,
            runAfter: try row.optionalDate("run_after") ?? row.date("created_at"),
            leaseExpiresAt: row.optionalDate("lease_expires_at"),
            cancelRequested: row.bool("cancel_requested"),
            exitCode: row.optionalInt("exit_code"),
            errorKind: row.optionalString("error_kind").map(ErrorKind.init(rawValue:)),
            sessionID: row.optionalString("session_id"),
            costUSD: row.optionalDouble("cost_usd"),
            inputTokens: row.optionalInt("input_tokens"),
            outputTokens: row.optionalInt("output_tokens"),
            numTurns: row.optionalInt("num_turns"),
            peakMemoryBytes: row.optionalInt("peak_memory_bytes"),
            cpuUserSec: row.optionalDouble("cpu_user_sec"),
            cpuSystemSec: row.optionalDouble("cpu_system_sec"),
            batchID: row.optionalString("batch_id"),
            progress: row.optionalString("progress"),
            rateLimitedSec: row.optionalDouble("rate_limited_sec") ?? 0,
            repo: row.optionalString("repo"),
            worktree: row.bool("worktree"),
            base: row.optionalString("base"),
            workspace: row.optionalString("branch").map { branch in
                WorkspaceReport(
                    branch: branch, baseCommit: row.optionalString("base_commit"),
                    headCommit: row.optionalString("head_commit"), filesChanged: row.optionalInt("files_changed"),
                    linesAdded: row.optionalInt("lines_added"), linesRemoved: row.optionalInt("lines_removed")
                )
            }
        )
    }

    static func action(_ row: SQLRow) throws -> TaskAction {
        TaskAction(
            id: Int64(try row.int("id")),
            taskID: try row.string("task_id"),
            action: TaskActionKind(rawValue: try row.string("action")),
            workerID: row.optionalString("worker_id"),
            details: row.optionalString("details"),
            createdAt: try row.date("created_at")
        )
    }

    static func attempt(_ row: SQLRow) throws -> AttemptRecord {
        AttemptRecord(
            taskID: try row.string("task_id"),
            attempt: try row.int("attempt"),
            workerID: try row.string("worker_id"),
            agent: try row.string("agent"),
            startedAt: try row.date("started_at"),
            finishedAt: row.optionalDate("finished_at"),
            outcome: try row.string("outcome"),
            errorKind: row.optionalString("error_kind").map(ErrorKind.init(rawValue:)),
            error: row.optionalString("error"),
            exitCode: row.optionalInt("exit_code"),
            durationSec: row.optionalDouble("duration_sec"),
            costUSD: row.optionalDouble("cost_usd"),
            inputTokens: row.optionalInt("input_tokens"),
            outputTokens: row.optionalInt("output_tokens"),
            numTurns: row.optionalInt("num_turns"),
            peakMemoryBytes: row.optionalInt("peak_memory_bytes"),
            cpuUserSec: row.optionalDouble("cpu_user_sec"),
            cpuSystemSec: row.optionalDouble("cpu_system_sec"),
            result: row.optionalString("result"),
            sessionID: row.optionalString("session_id")
        )
    }

    static func worker(_ row: SQLRow) throws -> WorkerRecord {
        WorkerRecord(
            workerID: try row.string("worker_id"),
            hostname: row.optionalString("hostname") ?? "",
            pid: row.optionalInt("pid") ?? 0,
            concurrency: row.optionalInt("concurrency") ?? 0,
            state: WorkerState(rawValue: row.optionalString("state") ?? "") ?? .dead,
            version: row.optionalString("version") ?? "",
            startedAt: try row.date("started_at"),
            lastHeartbeatAt: try row.date("last_heartbeat_at"),
            stoppedAt: row.optionalDate("stopped_at"),
            runningTasks: row.optionalInt("running_tasks") ?? 0,
            holdReason: row.optionalString("hold_reason"),
            worktrees: row.optionalInt("worktrees") ?? 0,
            worktreeBytes: row.optionalInt("worktree_bytes") ?? 0,
            spoolBytes: row.optionalInt("spool_bytes") ?? 0
        )
    }
}

/// Small JSON objects for `agent_actions.details`, built without a Codable type per action.
struct Details {
    private var fields: [(String, String)] = []

    init() {}

    func with(_ key: String, _ value: String?) -> Details {
        guard let value else { return self }
        var copy = self
        copy.fields.append((key, Self.quote(value)))
        return copy
    }

    func with(_ key: String, _ value: Int?) -> Details {
        guard let value else { return self }
        var copy = self
        copy.fields.append((key, String(value)))
        return copy
    }

    /// The number as written by Swift's shortest round-trip form (`0.00054`, `7.25`, `1e-07`), all valid JSON:
    /// an audit trail keeps what was recorded, to the last digit (a cost of $0.00054 is not $0.001).
    func with(_ key: String, _ value: Double?) -> Details {
        guard let value, value.isFinite else { return self }
        var copy = self
        copy.fields.append((key, "\(value)"))
        return copy
    }

    var json: String {
        "{" + fields.map { "\(Self.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quote(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
