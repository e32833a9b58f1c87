import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorkspaces
import Foundation
import Logging

/// Runs one attempt from claim to record: builds the agent's command line, starts it under its supervisor,
/// ships its spooled output to the store as it comes, lets its ``AttemptControl`` stop it when due, and
/// records the outcome together with the last of its output.
struct AttemptRunner: Sendable {
    let store: any TaskStore
    let configuration: WorkerConfiguration
    let profiles: AgentProfiles
    let finisher: FinishBatcher
    let environments: ProfileEnvironments
    let workspaces: Workspaces
    let logger: Logger

    /// How often output is shipped and progress read while an agent runs.
    static let shipInterval: Duration = .milliseconds(200)

    /// Runs the attempt; `agentEnded` is called once its agent has ended (or could not start), before the
    /// outcome is recorded.
    func run(_ task: AgentTask, control: AttemptControl, agentEnded: @Sendable () async -> Void = {}) async {
        var logger = logger
        logger[metadataKey: "task_id"] = "\(task.taskID)"
        logger[metadataKey: "attempt"] = "\(task.attempt)"
        logger[metadataKey: "agent"] = "\(task.agent)"
        let ending = await execute(task, control: control, logger: logger)
        await agentEnded()
        let recorded = await record(ending.request, stopReason: await control.reason, logger: logger)
        // An outcome that could not be recorded keeps its folder: a worker started later ships and records it.
        if recorded {
            ending.folder?.remove()
        }
        if let workspace = ending.workspace {
            let note = await workspace.release()
            logger.info("\(note)")
        }
    }

    /// What an attempt left to record, the folder to remove once it is recorded, and the worktree to let go.
    struct Ending {
        var request: FinishRequest
        var folder: AttemptFolder?
        var workspace: TaskWorkspace?
    }

    private func execute(_ task: AgentTask, control: AttemptControl, logger: Logger) async -> Ending {
        let ref = control.ref
        func failed(_ kind: ErrorKind, _ message: String) -> Ending {
            logger.error("cannot start the agent", metadata: ["error": "\(message)"])
            let outcome = AttemptOutcome.failed(AttemptFailure(kind: kind, message: message), AgentReport())
            return Ending(request: FinishRequest(attempt: ref, outcome: outcome), folder: nil)
        }
        if let reason = await control.reason {
            // Stopped before it started (a cancel request, the drain): nothing ran.
            return Ending(request: Self.request(for: reason, ref: ref, report: AgentReport(), output: []), folder: nil)
        }
        guard let profile = profiles[task.agent] else {
            return failed(.invalidTask, "no agent profile named '\(task.agent)': known profiles are \(profiles.names.joined(separator: ", "))")
        }
        if let directory = task.workingDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                return failed(.invalidTask, "the working directory \(directory) does not exist on \(ProcessInfo.processInfo.hostName)")
            }
        }
        let folder: AttemptFolder
        do {
            folder = try AttemptFolder.create(
                under: configuration.runDirectory,
                for: AttemptFolder.Record(
                    taskID: ref.taskID, workerID: ref.workerID, attempt: ref.attempt, agent: task.agent,
                    outputFormat: profile.outputFormat.rawValue, pid: getpid()
                )
            )
        } catch {
            return failed(.crashed, "cannot create the attempt's folder under \(configuration.runDirectory): \(error.localizedDescription)")
        }
        let shipper = OutputShipper(store: store, ref: ref, spoolPath: folder.spoolPath, logger: logger)
        let shipping = Task { await shipper.shipWhileRunning(every: Self.shipInterval) }
        var task = task
        var workspace: TaskWorkspace?
        /// An attempt whose agent never started: what its spool holds (notes, a setup's output) and the
        /// worktree's state go with the outcome.
        func endedEarly(_ request: FinishRequest) async -> Ending {
            shipping.cancel()
            await shipping.value
            var request = request
            if let workspace {
                request.workspace = await concludeWorkspace(workspace, task: task, outcome: Self.summary(of: request.outcome), folder: folder, logger: logger)
            }
            request.output += await shipper.finish(folder: folder.path).remainder
            return Ending(request: request, folder: folder, workspace: workspace)
        }
        func endedEarly(_ kind: ErrorKind, _ message: String) async -> Ending {
            logger.error("cannot start the agent", metadata: ["error": "\(message)"])
            return await endedEarly(FinishRequest(attempt: ref, outcome: .failed(AttemptFailure(kind: kind, message: message), AgentReport())))
        }
        var extraEnvironment: [String: String] = [:]
        if task.worktree {
            switch await openWorkspace(for: task, ref: ref, folder: folder, logger: logger) {
            case .success(let opened):
                workspace = opened
                task.workingDir = opened.workingDirectory
                extraEnvironment = Self.workspaceEnvironment(opened)
            case .failure(let error):
                return await endedEarly(error.isPermanent ? .invalidTask : .workspaceFailed, error.message)
            }
        }
        let invocation: AgentInvocation
        do {
            invocation = try profile.invocation(
                for: task, profileEnvironment: environments.environment(for: profile),
                toolExecutable: configuration.toolExecutable,
                extraEnvironment: try agentEnvironment(for: task, profile: profile, folder: folder).merging(extraEnvironment) { $1 }
            )
        } catch let error as LaunchError {
            return await endedEarly(error.kind, error.message)
        } catch {
            return await endedEarly(.crashed, "could not prepare the agent: \(error)")
        }
        var options = configuration.processOptions
        var agentRecordsAfter = 0
        if let workspace {
            switch await runSetup(of: workspace, environment: invocation.environment, folder: folder, control: control) {
            case .succeeded(let storedBytes):
                options.outputCapBytes = max(64 << 10, options.outputCapBytes - storedBytes)
            case .failed(let message):
                return await endedEarly(.workspaceFailed, message)
            case .stopped(let reason):
                return await endedEarly(Self.request(for: reason, ref: ref, report: AgentReport(), output: []))
            }
            agentRecordsAfter = SpoolNotes.recordCount(folder.spoolPath)
        }
        let process: AgentProcess
        do {
            process = try AgentProcess.launch(invocation, in: folder.path, options: options)
        } catch {
            return await endedEarly(error.kind, error.message)
        }
        await control.attach(process)
        let program = invocation.executable
        let supervisor = process.supervisorPID
        await shipper.whenAgentStarts(afterRecord: agentRecordsAfter) { pid in
            logger.info("agent started", metadata: ["pid": "\(pid)", "supervisor_pid": "\(supervisor)", "program": "\(program)"])
        }
        let progress = profile.outputFormat == .claudeStreamJSON
            ? ProgressRecorder(store: store, ref: ref, spoolPath: folder.spoolPath, logger: logger, skippingRecords: agentRecordsAfter)
            : nil
        let following = progress.map { recorder in Task { await recorder.followWhileRunning(every: Self.shipInterval) } }
        let exit = await process.waitForExit()
        let verdict = await control.ended(at: exit.endedAt, stopDelivered: exit.stopDelivered)
        shipping.cancel()
        following?.cancel()
        await shipping.value
        await following?.value
        let (remainder, tails) = await shipper.finish(folder: folder.path)
        let streamed = await progress?.finish()

        let trimmed = tails.trimmed
        let claudeResult = streamed ?? (profile.outputFormat == .text ? nil : ClaudeResult.find(in: trimmed.stdout))
        logger.info("agent ended", metadata: [
            "status": "\(exit.summary)", "seconds": "\(String(format: "%.2f", exit.wallSeconds))",
            "peak_memory_mb": "\(exit.peakMemoryBytes >> 20)", "output_bytes": "\(exit.output.storedBytes)",
            "verdict": "\(verdict)",
        ])
        let classification = configuration.classifier.classify(
            exit: exit, format: profile.outputFormat, claudeResult: claudeResult, stdoutTail: trimmed.stdout,
            stderrTail: trimmed.stderr
        )
        var request: FinishRequest
        switch verdict {
        case .natural:
            var hold: AgentHold?
            if let until = classification.holdUntil, case .failed(let failure, _) = classification.outcome {
                hold = AgentHold(agent: task.agent, until: until, reason: failure.message)
            }
            request = FinishRequest(attempt: ref, outcome: classification.outcome, output: remainder, hold: hold)
        case .stopped(let reason):
            request = Self.request(for: reason, ref: ref, report: classification.outcome.report, output: remainder)
        }
        if let workspace {
            request.workspace = await concludeWorkspace(workspace, task: task, outcome: Self.summary(of: request.outcome), folder: folder, logger: logger)
            request.output += await shipper.finish(folder: folder.path).remainder
        }
        return Ending(request: request, folder: folder, workspace: workspace)
    }

    /// A few words on an outcome, for the commit that saves the agent's changes.
    static func summary(of outcome: AttemptOutcome) -> String {
        switch outcome {
        case .completed: "completed"
        case .failed(let failure, _): "failed (\(failure.kind.rawValue))"
        case .rateLimited: "rate limited"
        case .cancelled: "cancelled"
        case .requeued(let reason): "stopped: \(reason)"
        }
    }

    /// Variables each attempt gets: who it is, and its own config and temporary folders.
    private func agentEnvironment(for task: AgentTask, profile: AgentProfile, folder: AttemptFolder) throws -> [String: String] {
        var extra = [
            "AGENT_TURBO_TASK_ID": task.taskID,
            "AGENT_TURBO_ATTEMPT": String(task.attempt),
            "AGENT_TURBO_WORKER_ID": configuration.workerID,
        ]
        if let variable = profile.configDirectoryVariable {
            extra[variable] = try folder.agentConfigDirectory(
                seededFrom: configuration.environment[variable], home: configuration.environment["HOME"]
            )
        }
        if profile.style == .claude {
            // Claude Code leaves folders in /tmp after every run; keep them in the attempt's folder, removed after.
            extra["CLAUDE_CODE_TMPDIR"] = try folder.folder("tmp")
        }
        return extra
    }

    /// The outcome of an agent the worker stopped: why it stopped decides, not how the agent ended.
    static func request(for reason: StopReason, ref: AttemptRef, report: AgentReport, output: [OutputPiece]) -> FinishRequest {
        let outcome: AttemptOutcome
        switch reason {
        case .timeout(let seconds):
            outcome = .failed(
                AttemptFailure(kind: .timeout, message: "timed out after \(seconds) s; the agent and everything it started were stopped"),
                report
            )
        case .cancelRequested:
            outcome = .cancelled(report)
        case .shutdown:
            outcome = .requeued(reason: "the worker stopped the agent while shutting down")
        case .fenced:
            outcome = .requeued(reason: "the worker could not renew its lease and stopped the agent before it ran out")
        case .leaseLost:
            // Refused by the store (another worker owns the task); the output is still stored under this attempt.
            outcome = .requeued(reason: "the lease was lost")
        }
        return FinishRequest(attempt: ref, outcome: outcome, output: output, isAgentsOwnOutcome: false)
    }

    /// Records the outcome, retrying while the database is away; survives the worker's own cancellation (an
    /// immediate shutdown). Returns whether the store answered (recorded, already recorded or refused).
    private func record(_ request: FinishRequest, stopReason: StopReason?, logger: Logger) async -> Bool {
        let finisher = finisher
        return await Task {
            await StoreRetry.untilDone(logger: logger, what: "record the outcome") {
                switch try await finisher.finish(request) {
                case .finished(let task):
                    Self.logOutcome(task, logger: logger)
                case .alreadyRecorded:
                    logger.info("the outcome was already recorded (an earlier try committed)")
                case .refused(let error):
                    if stopReason == .leaseLost {
                        logger.info("the outcome was not recorded: \(error.message)")
                    } else {
                        logger.warning("the outcome was not recorded: \(error.message)")
                    }
                }
            }
        }.value
    }

    static func logOutcome(_ task: AgentTask, logger: Logger) {
        switch task.status {
        case .completed:
            logger.info("task completed", metadata: ["duration_sec": "\(task.durationSec ?? 0)"])
        case .failed:
            logger.error("task failed", metadata: ["error_kind": "\(task.errorKind?.rawValue ?? "")", "error": "\(task.error ?? "")"])
        case .pending:
            logger.notice("task goes back to the queue", metadata: [
                "error_kind": "\(task.errorKind?.rawValue ?? "")", "run_after": "\(Timestamp.format(task.runAfter))",
                "retry_count": "\(task.retryCount)",
            ])
        case .cancelled:
            logger.notice("task cancelled")
        case .running:
            break
        }
    }
}

extension AttemptOutcome {
    /// What the agent reported, whatever the outcome.
    var report: AgentReport {
        switch self {
        case .completed(let report), .failed(_, let report), .rateLimited(_, _, let report), .cancelled(let report): report
        case .requeued: AgentReport()
        }
    }
}
