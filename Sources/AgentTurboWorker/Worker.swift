import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorkspaces
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs agents from the queue: up to `concurrency` at once, claiming as many tasks as it has free slots,
/// woken at once by the store's hints and polling only as a fallback. It renews its leases and heartbeats,
/// takes its turn as the one rescuer of expired leases, and stops running agents on timeout, cancel
/// requests (from any process) or a lost lease.
///
/// On graceful shutdown (the first SIGTERM/SIGINT) it stops claiming, lets running agents finish within the
/// grace period, then stops them and puts their tasks back without spending a retry. On cancellation (a
/// second signal) it does that at once.
public final class Worker: Service {
    public let configuration: WorkerConfiguration
    let store: any TaskStore
    let profiles: AgentProfiles
    let logger: Logger
    let running = RunningAttempts()
    let wake = WakeSignal()
    let lifecycle = WorkerLifecycle()
    let admission: Admission
    let finisher: FinishBatcher
    let environments: ProfileEnvironments
    let workspaces: Workspaces
    /// Task worktrees on this host and their size, as the last sweep measured them (for the heartbeat).
    let worktreeUsage = Mutex<WorktreeUsage?>(nil)
    /// Wakes the worktree sweep early: a worktree attempt ended.
    let sweepWake = WakeSignal()

    public init(store: any TaskStore, profiles: AgentProfiles, configuration: WorkerConfiguration, logger: Logger) {
        self.store = store
        self.profiles = profiles
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "worker_id"] = "\(configuration.workerID)"
        self.logger = logger
        self.admission = Admission(configuration: configuration)
        self.finisher = FinishBatcher(store: store, retryPolicy: configuration.retryPolicy)
        self.environments = ProfileEnvironments(base: configuration.environment)
        self.workspaces = Workspaces(settings: configuration.workspaces, environment: configuration.environment)
    }

    public func run() async throws {
        try await register()
        // Listen before saying so: a task added once "worker started" is logged wakes this worker.
        let events = store.events()
        logger.info("worker started", metadata: [
            "concurrency": "\(configuration.concurrency)", "database": "\(store.location)",
            "lease_sec": "\(configuration.leaseSeconds)", "process_backend": "\(configuration.processBackend)",
        ])
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.runUntilDrained(events: events)
            } onGracefulShutdown: {
                self.beginDrain()
            }
        } onCancel: {
            self.stopImmediately()
        }
        let store = store
        let id = configuration.workerID
        let logger = logger
        _ = await Task {
            await StoreRetry.untilDone(logger: logger, what: "mark the worker stopped") {
                try await store.heartbeat(WorkerHeartbeat(workerID: id, state: .stopped, runningTasks: 0))
            }
        }.value
        logger.info("worker stopped")
    }

    /// Adds this worker's row, waiting while the database is unavailable (a worker started during a restart or
    /// a failover waits for it instead of exiting).
    private func register() async throws {
        let registration = WorkerRegistration(
            workerID: configuration.workerID, hostname: ProcessInfo.processInfo.hostName,
            pid: Int(getpid()), concurrency: configuration.concurrency, version: WorkerConfiguration.version
        )
        var delay: Duration = .milliseconds(250)
        while true {
            do {
                try await store.registerWorker(registration)
                return
            } catch let error as StoreError where error.code == .unavailable {
                logger.warning("waiting for the database to register this worker", metadata: ["error": "\(error.message)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// First signal: claim nothing more, give running agents the grace period, then stop and requeue them.
    public func beginDrain() {
        guard lifecycle.beginDrain() else { return }
        logger.notice("shutting down: no new tasks; running agents get \(configuration.shutdownGraceSeconds) s to finish")
        wake.signal()
        let grace = configuration.shutdownGraceSeconds
        let running = running
        let store = store
        let id = configuration.workerID
        Task {
            let count = await running.count
            try? await store.heartbeat(WorkerHeartbeat(workerID: id, state: .draining, runningTasks: count))
        }
        Task {
            try? await Task.sleep(for: .seconds(grace))
            await running.stopAll(.shutdown, immediately: false)
        }
    }

    /// Second signal, or the task cancelled: stop every agent at once and requeue its task.
    public func stopImmediately() {
        _ = lifecycle.beginDrain()
        lifecycle.stopImmediately()
        wake.signal()
        let running = running
        Task { await running.stopAll(.shutdown, immediately: true) }
    }

    /// Runs the loops until draining is done and every attempt has been recorded.
    private func runUntilDrained(events: AsyncStream<StoreEvent>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.heartbeatLoop() }
            group.addTask { await self.rescueLoop() }
            group.addTask { await self.cancelCheckLoop() }
            group.addTask { await self.eventLoop(events) }
            group.addTask {
                await self.adoptLeftoverAttempts()
                // After adoption: a dead worker's attempts are over by then, so their worktrees can go.
                await self.workspaceSweepLoop()
            }
            await withTaskGroup(of: Void.self) { attempts in
                await self.dispatchLoop(into: &attempts)
                await attempts.waitForAll()
            }
            group.cancelAll()
        }
    }
}

/// The worker's shutdown state, readable from any thread.
final class WorkerLifecycle: Sendable {
    private let state = Mutex<(draining: Bool, immediate: Bool)>((false, false))
    private let hold = Mutex<String?>(nil)

    /// Why the worker is not claiming although it has free slots; shown by `workers`.
    var holdReason: String? {
        get { hold.withLock { $0 } }
        set { hold.withLock { $0 = newValue } }
    }

    var isDraining: Bool { state.withLock { $0.draining } }
    var isStoppingImmediately: Bool { state.withLock { $0.immediate } }

    /// Returns `true` the first time.
    func beginDrain() -> Bool {
        state.withLock { state in
            defer { state.draining = true }
            return !state.draining
        }
    }

    func stopImmediately() {
        state.withLock { $0.immediate = true }
    }
}

extension WorkerConfiguration {
    public static let version = "0.1.0"
}
