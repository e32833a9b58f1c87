import AgentTurboAgents
import AgentTurboCore
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
    }

    /// What an attempt left to record, and the folder to remove once it is recorded.
    struct Ending {
        var request: FinishRequest
        var folder: AttemptFolder?
    }

    private func execute(_ task: AgentTask, control: AttemptControl, logger: Logger) async -> Ending {
        let ref = control.ref
        func failed(_ kind: ErrorKind, _ message: String, folder: AttemptFolder? = nil) -> Ending {
            logger.error("cannot start the agent", metadata: ["error": "\(message)"])
            let outcome = AttemptOutcome.failed(AttemptFailure(kind: kind, message: message), AgentReport())
            return Ending(request: FinishRequest(attempt: ref, outcome: outcome), folder: folder)
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
        let process: AgentProcess
        var shipperStart: (@Sendable (Int32) -> Void)?
        do {
            let invocation = try profile.invocation(
                for: task, profileEnvironment: environments.environment(for: profile),
                toolExecutable: configuration.toolExecutable,
                extraEnvironment: try agentEnvironment(for: task, profile: profile, folder: folder)
            )
            process = try AgentProcess.launch(invocation, in: folder.path, options: configuration.processOptions)
            let program = invocation.executable
            let supervisor = process.supervisorPID
            shipperStart = { pid in
                logger.info("agent started", metadata: ["pid": "\(pid)", "supervisor_pid": "\(supervisor)", "program": "\(program)"])
            }
        } catch let error as LaunchError {
            return failed(error.kind, error.message, folder: folder)
        } catch {
            return failed(.crashed, "could not prepare the agent: \(error)", folder: folder)
        }
        await control.attach(process)

        let shipper = OutputShipper(store: store, ref: ref, spoolPath: folder.spoolPath, logger: logger)
        if let shipperStart {
            await shipper.whenAgentStarts(shipperStart)
        }
        let progress = profile.outputFormat == .claudeStreamJSON
            ? ProgressRecorder(store: store, ref: ref, spoolPath: folder.spoolPath, logger: logger) : nil
        let shipping = Task { await shipper.shipWhileRunning(every: Self.shipInterval) }
        let following = progress.map { recorder in Task { await recorder.followWhileRunning(every: Self.shipInterval) } }
        let exit = await process.waitForExit()
        let verdict = await control.ended(at: exit.endedAt)
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
        switch verdict {
        case .natural:
            var hold: AgentHold?
            if let until = classification.holdUntil, case .failed(let failure, _) = classification.outcome {
                hold = AgentHold(agent: task.agent, until: until, reason: failure.message)
            }
            return Ending(
                request: FinishRequest(attempt: ref, outcome: classification.outcome, output: remainder, hold: hold),
                folder: folder
            )
        case .stopped(let reason):
            return Ending(
                request: Self.request(for: reason, ref: ref, report: classification.outcome.report, output: remainder),
                folder: folder
            )
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
