import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

/// Runs one attempt from claim to record: builds the agent's command line, starts it under the supervisor,
/// streams its output into the store, enforces the timeout, classifies how it ended and finishes the attempt.
struct AttemptRunner: Sendable {
    let store: any TaskStore
    let configuration: WorkerConfiguration
    let profiles: AgentProfiles
    let logger: Logger

    func run(_ task: AgentTask, control: AttemptControl) async {
        let ref = control.ref
        var logger = logger
        logger[metadataKey: "task_id"] = "\(task.taskID)"
        logger[metadataKey: "attempt"] = "\(task.attempt)"
        logger[metadataKey: "agent"] = "\(task.agent)"

        let classification: Classification
        do {
            classification = try await execute(task, control: control, logger: logger)
        } catch let error as LaunchError {
            logger.error("cannot start the agent", metadata: ["error": "\(error.message)"])
            classification = Classification(outcome: .failed(AttemptFailure(kind: error.kind, message: error.message), AgentReport()))
        } catch {
            logger.error("cannot start the agent", metadata: ["error": "\(error)"])
            classification = Classification(outcome: .failed(AttemptFailure(kind: .crashed, message: "could not start the agent: \(error)"), AgentReport()))
        }

        if await control.reason == .leaseLost {
            logger.warning("the task was taken back from this worker; its outcome is not recorded")
            return
        }
        // Recording the outcome must survive the worker's own cancellation (an immediate shutdown).
        let store = store
        let policy = configuration.retryPolicy
        let agent = task.agent
        let finalLogger = logger
        await Task {
            await StoreRetry.untilDone(logger: finalLogger, what: "record the outcome") {
                do {
                    let finished = try await store.finish(ref, classification.outcome, retryPolicy: policy)
                    Self.logOutcome(finished, logger: finalLogger)
                } catch let error as StoreError where error.code == .leaseLost {
                    finalLogger.warning("the outcome was not recorded: \(error.message)")
                }
                if let until = classification.holdUntil, case .failed(let failure, _) = classification.outcome {
                    try await store.hold(AgentHold(agent: agent, until: until, reason: failure.message))
                }
            }
        }.value
    }

    /// Starts the agent and waits for it, its output stored as it comes.
    private func execute(_ task: AgentTask, control: AttemptControl, logger: Logger) async throws -> Classification {
        guard let profile = profiles[task.agent] else {
            throw LaunchError(.invalidTask, "no agent profile named '\(task.agent)': known profiles are \(profiles.names.joined(separator: ", "))")
        }
        if let folder = task.workingDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LaunchError(.invalidTask, "the working directory \(folder) does not exist on \(ProcessInfo.processInfo.hostName)")
            }
        }
        let scratch = try AttemptDirectory.create(under: configuration.runDirectory, for: control.ref)
        defer { scratch.remove() }
        var extra = [
            "AGENT_TURBO_TASK_ID": task.taskID,
            "AGENT_TURBO_ATTEMPT": String(task.attempt),
            "AGENT_TURBO_WORKER_ID": configuration.workerID,
        ]
        if let variable = profile.configDirectoryVariable {
            extra[variable] = try scratch.agentConfigDirectory(seededFrom: configuration.environment[variable], home: configuration.environment["HOME"])
        }
        if profile.style == .claude {
            // Claude Code leaves folders in /tmp after every run; keep them in the scratch folder, removed below.
            extra["CLAUDE_CODE_TMPDIR"] = try scratch.folder("tmp")
        }
        let invocation = try profile.invocation(
            for: task, baseEnvironment: configuration.environment, toolExecutable: configuration.toolExecutable,
            extraEnvironment: extra
        )
        let process = try AgentProcess.launch(invocation, toolExecutable: configuration.toolExecutable)
        logger.info("agent started", metadata: ["pid": "\(process.pid)", "program": "\(invocation.executable)"])
        await control.attach(process)

        let progress = ProgressRecorder(store: store, ref: control.ref, logger: logger)
        var recorder = OutputRecorder(store: store, ref: control.ref, capBytes: configuration.outputCapBytes, logger: logger)
        if profile.outputFormat == .claudeStreamJSON {
            recorder.onLine = { line in await progress.consume(line) }
        }
        let queue = OutputQueue(streams: 2)
        let timeout = task.timeoutSeconds
        let deadline = Task {
            try? await Task.sleep(for: .seconds(timeout))
            if !Task.isCancelled {
                await control.stop(.timeout(seconds: timeout))
            }
        }
        async let stdout: Void = PipeReader.drain(process.stdoutDescriptor, as: .stdout, into: queue)
        async let stderr: Void = PipeReader.drain(process.stderrDescriptor, as: .stderr, into: queue)
        async let exit = process.waitForExit()
        let recorded = await recorder.record(from: queue)
        await progress.flush()
        let ended = await exit
        _ = await (stdout, stderr)
        deadline.cancel()
        await control.ended()

        let streamed = await progress.finalResult
        let claudeResult = streamed ?? (profile.outputFormat == .text ? nil : ClaudeResult.find(in: recorded.stdoutTail))
        logger.info("agent ended", metadata: [
            "status": "\(ended.summary)", "seconds": "\(String(format: "%.2f", ended.wallSeconds))",
            "peak_memory_mb": "\(ended.peakMemoryBytes >> 20)", "output_bytes": "\(recorded.storedBytes)",
        ])
        return configuration.classifier.classify(
            exit: ended, stopReason: await control.reason, format: profile.outputFormat, claudeResult: claudeResult,
            stdoutTail: recorded.stdoutTail, stderrTail: recorded.stderrTail
        )
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
