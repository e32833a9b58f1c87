import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorkspaces
import Foundation

/// How a worker runs: its identity, how many agents at once, and its timings. Every value has a default.
public struct WorkerConfiguration: Sendable {
    public var workerID: String
    public var concurrency: Int = 4
    /// How long a claim stays the worker's without a renewal; renewed every quarter of it (see
    /// ``leaseTiming``).
    public var leaseSeconds: Double = 60
    /// Fallback poll for new tasks when no wake-up arrives.
    public var pollInterval: Double = 1
    /// How often running attempts are checked for cancel requests from other processes.
    public var cancelCheckInterval: Double = 0.5
    /// How often this worker tries to be the rescuer of expired leases.
    public var rescueInterval: Double = 5
    /// After SIGTERM/SIGINT: how long running agents may go on before they are stopped and requeued.
    public var shutdownGraceSeconds: Double = 30
    /// Between SIGTERM and SIGKILL to an agent's process group.
    public var killGraceSeconds: Double = 5
    /// Most bytes of output stored per attempt.
    public var outputCapBytes: Int = 10 << 20
    public var retryPolicy: RetryPolicy = .standard
    public var classifier = AttemptClassifier()
    /// Only these profiles; `nil` means every profile the worker knows.
    public var agents: Set<String>?
    /// Claim only within this batch (`run` uses it to run its own batch).
    public var batchID: String?
    /// Keep at least this much memory free: no agent starts below it.
    public var minFreeMemoryBytes: Int64?
    /// Memory one agent is expected to need, used to claim no more than fits above the floor.
    public var memoryPerAgentBytes: Int64 = 256 << 20
    /// agent-turbo itself: the `simulate` agent.
    public var toolExecutable: String = AgentProcess.currentExecutable
    /// The native supervisor every agent runs under, installed beside agent-turbo.
    public var supervisorExecutable: String = AgentProcess.supervisorBesideExecutable
    /// Linux accelerations or the portable POSIX way (`AGENT_TURBO_PROCESS_BACKEND=posix`).
    public var processBackend: ProcessBackend = .current
    /// Per-agent config folders (`CLAUDE_CONFIG_DIR`) are made under this folder.
    public var runDirectory: String
    /// The environment agents start from.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Stop by itself once nothing is left to run (`run`, `demo`).
    public var exitWhenIdle = false
    /// Task worktrees: where they are made, branch names, what happens after a run, per-repository setup.
    public var workspaces: WorkspaceSettings
    /// How often worktrees whose time has come are removed and the disk they take is measured.
    public var workspaceSweepInterval: Double = 60

    public init(workerID: String, runDirectory: String) {
        self.workerID = workerID
        self.runDirectory = runDirectory
        self.workspaces = WorkspaceSettings(root: URL(fileURLWithPath: runDirectory).deletingLastPathComponent().path + "/worktrees")
    }

    /// `hostname:pid`, unique per process and readable in `workers`.
    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid())"
    }

    /// How supervisors are started.
    var processOptions: AgentProcess.Options {
        AgentProcess.Options(supervisor: supervisorExecutable, outputCapBytes: outputCapBytes, backend: processBackend)
    }

    public func validate() throws(InputError) {
        guard concurrency >= 1 else { throw InputError("--concurrency must be at least 1, not \(concurrency)") }
        guard concurrency <= 1000 else { throw InputError("--concurrency \(concurrency) is more than 1000 agents at once") }
        guard leaseSeconds >= 1 else { throw InputError("--lease must be at least 1 second") }
        guard pollInterval > 0 else { throw InputError("--poll-interval must be more than 0") }
        guard shutdownGraceSeconds >= 0 else { throw InputError("--shutdown-grace must not be negative") }
        guard !workerID.isEmpty, workerID.count <= 200 else { throw InputError("--worker-id must be 1 to 200 characters") }
        guard FileManager.default.isExecutableFile(atPath: supervisorExecutable) else {
            throw InputError(
                "the agent supervisor \(supervisorExecutable) is missing: install agent-turbo-supervise beside agent-turbo (swift build puts both in one folder)"
            )
        }
    }
}
