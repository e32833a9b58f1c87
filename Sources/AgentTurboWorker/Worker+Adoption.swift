import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorkspaces
import Foundation
import Logging

extension Worker {
    /// Attempt folders a worker process left behind when it died (they share the run directory): ships what
    /// their spools still hold, and records an outcome their agent reached by itself before the worker died,
    /// so that a run that finished is not run again. An agent that was stopped, or died with its worker, is
    /// left to the rescuer, as the spec says of a dead worker's attempts.
    func adoptLeftoverAttempts() async {
        let directory = configuration.runDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names.sorted() {
            let folder = AttemptFolder(path: directory + "/" + name)
            // No record: not an attempt's folder, or one still being made; left alone.
            guard let record = folder.readRecord(), record.pid != getpid(), !Self.processIsAlive(record.pid) else { continue }
            await adopt(folder, record)
        }
    }

    private func adopt(_ folder: AttemptFolder, _ record: AttemptFolder.Record) async {
        let logger = {
            var logger = self.logger
            logger[metadataKey: "task_id"] = "\(record.taskID)"
            logger[metadataKey: "attempt"] = "\(record.attempt)"
            return logger
        }()
        // Its supervisor outlives the worker by the time it takes to stop the agent: give it that long.
        var exit = ProcessExit.read(statusFile: folder.statusPath)
        for _ in 0..<30 where exit == nil {
            try? await Task.sleep(for: .milliseconds(100))
            exit = ProcessExit.read(statusFile: folder.statusPath)
        }
        let shipper = OutputShipper(store: store, ref: record.ref, spoolPath: folder.spoolPath, logger: logger)
        do {
            await shipper.resume(after: try await store.lastOutputSequence(taskID: record.taskID, attempt: record.attempt))
        } catch {
            logger.warning("cannot adopt a dead worker's attempt now; a later start will", metadata: ["error": "\(error)"])
            return
        }
        let (remainder, tails) = await shipper.finish(folder: folder.path)
        let recorded: Bool
        var adoptedWorkspace: TaskWorkspace?
        if let exit, exit.endedBeforeAnyStop {
            let format = AgentProfile.OutputFormat(rawValue: record.outputFormat) ?? .text
            let trimmed = tails.trimmed
            let classification = configuration.classifier.classify(
                exit: exit, format: format,
                claudeResult: format == .text ? nil : ClaudeResult.find(in: trimmed.stdout),
                stdoutTail: trimmed.stdout, stderrTail: trimmed.stderr
            )
            // A worktree task's changes are saved and summed up with its outcome, as its worker would have.
            adoptedWorkspace = await workspaces.takeOver(attemptFolder: folder.path)
            var report: WorkspaceReport?
            if let workspace = adoptedWorkspace {
                let message = "agent-turbo: task \(record.taskID)\n\nAttempt \(record.attempt): \(AttemptRunner.summary(of: classification.outcome)) (recorded after its worker died)."
                report = (try? await workspace.conclude(commitMessage: message))?.report ?? workspace.startReport
            }
            let request = FinishRequest(attempt: record.ref, outcome: classification.outcome, output: remainder, workspace: report)
            recorded = await StoreRetry.untilDone(logger: logger, what: "record a dead worker's finished attempt") {
                switch try await self.finisher.finish(request) {
                case .finished(let task):
                    logger.notice("recorded the outcome of an attempt whose worker died after its agent ended", metadata: ["status": "\(task.status.rawValue)"])
                case .alreadyRecorded:
                    break
                case .refused(let error):
                    logger.notice("a dead worker's finished attempt was not recorded: \(error.message)")
                }
            }
        } else {
            recorded = await StoreRetry.untilDone(logger: logger, what: "store a dead worker's last output") {
                try await self.store.appendOutput(OutputAppend(taskID: record.taskID, attempt: record.attempt, pieces: remainder))
            }
        }
        if recorded {
            folder.remove()
        }
        if let workspace = adoptedWorkspace {
            let note = await workspace.release()
            logger.info("\(note)")
        }
    }

    /// Whether a process with this pid exists (it may be another process that took the pid: then its folder
    /// waits for a later start).
    static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
