import Foundation

/// The durable home of tasks, their audit trail, output and workers. One implementation per engine
/// (SQLite, PostgreSQL); every one passes the same conformance suite.
///
/// Every method that changes a task writes its `agent_actions` rows in the same transaction. Methods that
/// act on an attempt take its ``AttemptRef`` and throw ``StoreError/Code/leaseLost`` when the row has moved on.
public protocol TaskStore: Sendable {
    /// A short description of where the data lives (`sqlite:/path`, `postgres://host/db`), password hidden.
    var location: String { get }

    // MARK: Schema

    /// The schema version in the database and the one this program needs.
    func schemaStatus() async throws -> SchemaStatus
    /// Applies pending migrations; returns the versions applied.
    @discardableResult func migrate() async throws -> [Int]

    // MARK: Adding and reading tasks

    /// Adds tasks in one transaction: if any is invalid or its id is taken, none is added.
    func submit(_ tasks: [NewTask], by actor: String?) async throws -> [AgentTask]
    /// Adds tasks like `submit(_:by:)`, remembering `idempotencyKey` with a fingerprint of the tasks: a later
    /// submit with the same key and the same tasks adds nothing and returns the tasks the first one added (also
    /// from another process on the same database); the same key with other tasks is refused
    /// (``StoreError/Code/idempotencyConflict``). Keys are forgotten after ``IdempotencyKey/retentionSeconds``.
    func submit(_ tasks: [NewTask], by actor: String?, idempotencyKey: String?) async throws -> SubmitResult
    func task(_ id: String) async throws -> AgentTask?
    func tasks(matching filter: TaskFilter) async throws -> [AgentTask]
    /// A page of a list as people read it: prompts and results as previews with their sizes, and the cursor of
    /// the next page. Each filter is read from an index, so the cost does not grow with the table. An `after`
    /// that names no task is `notFound`.
    func taskPage(matching filter: TaskFilter) async throws -> TaskPage
    func actions(for taskID: String) async throws -> [TaskAction]
    /// How many tasks are in each state, all of them or those of one `run` batch.
    func statusCounts(batchID: String?) async throws -> [TaskStatus: Int]
    func attempts(for taskID: String) async throws -> [AttemptRecord]

    // MARK: Running tasks

    /// Claims up to `request.limit` ready tasks (highest priority, then oldest, `run_after` passed) in one
    /// statement and leases them to the worker.
    func claim(_ request: ClaimRequest) async throws -> [AgentTask]
    /// Extends the leases of the worker's running attempts and reports which were lost or asked to cancel.
    func renewLeases(_ attempts: [AttemptRef], leaseSeconds: Double) async throws -> LeaseRenewal
    /// Running attempts of this worker that someone asked to cancel (a cheap, frequent check).
    func cancelRequests(workerID: String) async throws -> [AttemptRef]
    /// Records what a running agent has done so far (turns, tool uses, tokens, estimated cost).
    func recordProgress(_ attempt: AttemptRef, _ progress: AgentProgress) async throws
    /// Records the branch a running attempt works on (and the commit it started from); throws `leaseLost` when
    /// the attempt is no longer this worker's.
    func recordWorkspace(_ attempt: AttemptRef, _ workspace: WorkspaceReport) async throws
    /// Ends attempts, each with the last of its output, in one transaction; each request gets its own result
    /// (one refused does not hold up the others). Throws only when the transaction failed as a whole.
    func finish(_ requests: [FinishRequest], retryPolicy: RetryPolicy) async throws -> [FinishResult]
    /// Takes back running tasks whose lease expired more than `graceSeconds` ago: each counts as an attempt.
    /// The grace leaves a worker that could not renew the time to stop its agent (it does so before the
    /// lease runs out).
    func rescueExpiredLeases(by rescuer: String, graceSeconds: Double) async throws -> [RescuedTask]

    // MARK: Operator actions

    func cancel(_ taskID: String, reason: String?, by actor: String?) async throws -> CancelResult
    /// Moves a `failed` or `cancelled` task back to `pending` with a fresh retry budget.
    func retry(_ taskID: String, by actor: String?) async throws -> AgentTask
    /// Deletes finished tasks (and their actions, attempts, output) that finished before `date`.
    func prune(finishedBefore date: Date) async throws -> PruneResult
    func stats() async throws -> QueueStats

    // MARK: Output

    /// Stores output pieces; a piece whose sequence number the attempt already has is skipped.
    func appendOutput(_ append: OutputAppend) async throws
    /// The highest sequence number stored for one attempt's output (0 if none): where shipping resumes.
    func lastOutputSequence(taskID: String, attempt: Int) async throws -> Int
    /// Output in order, after `cursor` when given, at most `limit` chunks.
    func output(for taskID: String, after cursor: OutputCursor?, limit: Int) async throws -> [OutputChunk]

    // MARK: Workers and coordination

    func registerWorker(_ registration: WorkerRegistration) async throws
    func heartbeat(_ heartbeat: WorkerHeartbeat) async throws
    func workers() async throws -> [WorkerRecord]
    /// Marks workers `dead` whose last heartbeat is older than `silentSeconds`; returns their ids.
    func markSilentWorkersDead(silentSeconds: Double) async throws -> [String]
    /// Takes or renews a named leadership lease (for example the one rescuer); `true` when `holder` has it.
    func acquireLeadership(_ role: String, holder: String, leaseSeconds: Double) async throws -> Bool
    /// Holds an agent profile back on every worker until `hold.until`.
    func hold(_ hold: AgentHold) async throws
    /// Holds that have not expired.
    func activeHolds() async throws -> [AgentHold]
    /// Ends a profile's hold early (the key was fixed, the limit raised) with an audit row in
    /// `agent_hold_actions`, and wakes the workers so that the tasks it held start at once. Throws `notFound`
    /// when the profile is not held back.
    @discardableResult func clearHold(_ agent: String, by actor: String?) async throws -> AgentHold
    /// The audit trail of one profile's holds, oldest first.
    func holdActions(for agent: String) async throws -> [HoldAction]

    /// Hints that wake workers at once (in-process for SQLite, LISTEN/NOTIFY for PostgreSQL).
    func events() -> AsyncStream<StoreEvent>

    func close() async throws
}

extension TaskStore {
    /// Adds one task.
    public func submit(_ task: NewTask, by actor: String? = nil) async throws -> AgentTask {
        try await submit([task], by: actor)[0]
    }

    /// Ends one attempt; throws `leaseLost` if it is no longer the worker's.
    @discardableResult
    public func finish(_ attempt: AttemptRef, _ outcome: AttemptOutcome, retryPolicy: RetryPolicy) async throws -> AgentTask {
        let results = try await finish([FinishRequest(attempt: attempt, outcome: outcome)], retryPolicy: retryPolicy)
        switch results[0] {
        case .finished(let task), .alreadyRecorded(let task): return task
        case .refused(let error): throw error
        }
    }

    /// Takes back running tasks whose lease expired.
    public func rescueExpiredLeases(by rescuer: String) async throws -> [RescuedTask] {
        try await rescueExpiredLeases(by: rescuer, graceSeconds: 0)
    }

    /// Reads a task that must exist.
    public func existingTask(_ id: String) async throws -> AgentTask {
        guard let task = try await task(id) else {
            throw StoreError(.notFound, "no task with id '\(id)': `agent-turbo list` shows the ids")
        }
        return task
    }
}

/// The schema version in the database compared with the one this program was built for.
public struct SchemaStatus: Sendable, Hashable {
    /// 0 for an empty database.
    public var current: Int
    public var latest: Int

    public init(current: Int, latest: Int) {
        self.current = current
        self.latest = latest
    }

    public var isCurrent: Bool { current == latest }
}
