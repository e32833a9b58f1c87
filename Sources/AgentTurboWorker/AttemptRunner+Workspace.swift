import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorkspaces
import Foundation
import Logging

/// The attempt's side of a worktree task: make the worktree before the agent, run the repository's setup in
/// it, and afterwards save and sum up what the agent changed. What is done is noted in the task's log.
extension AttemptRunner {
    /// Makes (or takes back) the task's worktree and records its branch on the task.
    func openWorkspace(for task: AgentTask, ref: AttemptRef, folder: AttemptFolder, logger: Logger) async -> Result<TaskWorkspace, WorkspaceError> {
        guard let repo = task.repo else {
            return .failure(WorkspaceError(.repositoryMissing, "the task asks for a worktree but names no repository"))
        }
        let request = Workspaces.Request(
            taskID: task.taskID, attempt: task.attempt, workerID: ref.workerID, repo: repo, base: task.base,
            recorded: task.workspace, attemptFolder: folder.path
        )
        let workspace: TaskWorkspace
        do {
            workspace = try await workspaces.prepare(request)
        } catch {
            SpoolNotes.append("no worktree: \(error.message)", to: folder.spoolPath)
            return .failure(error)
        }
        for note in workspace.notes {
            SpoolNotes.append(note, to: folder.spoolPath)
        }
        SpoolNotes.append("working in \(workspace.workingDirectory) on branch \(workspace.branch)", to: folder.spoolPath)
        logger.info("worktree ready", metadata: ["branch": "\(workspace.branch)", "worktree": "\(workspace.path)"])
        do {
            try await store.recordWorkspace(ref, workspace.startReport)
        } catch {
            // Only for `show` while the task runs: the outcome records the branch again.
            logger.debug("could not record the branch yet", metadata: ["error": "\(error)"])
        }
        return .success(workspace)
    }

    /// Runs the repository's setup command, if it has one, in the worktree.
    func runSetup(
        of workspace: TaskWorkspace, environment: [String: String], folder: AttemptFolder, control: AttemptControl
    ) async -> SetupRunner.Outcome {
        guard let setup = workspace.setup, let command = setup.setup else { return .succeeded(storedBytes: 0) }
        SpoolNotes.append("setup: \(command.joined(separator: " ")) (timeout \(Int(setup.setupTimeoutSeconds)) s)", to: folder.spoolPath)
        let runner = SetupRunner(
            command: command, timeout: .seconds(setup.setupTimeoutSeconds),
            killGrace: .seconds(fractional: configuration.killGraceSeconds)
        )
        let outcome = await runner.run(
            in: workspace.workingDirectory, environment: environment, folder: folder, control: control,
            options: configuration.processOptions
        )
        switch outcome {
        case .succeeded: SpoolNotes.append("setup finished", to: folder.spoolPath)
        case .failed(let message): SpoolNotes.append(message, to: folder.spoolPath)
        case .stopped(let reason): SpoolNotes.append("setup stopped: \(reason)", to: folder.spoolPath)
        }
        return outcome
    }

    /// Commits (or sums up) the agent's changes on the task's branch. A failure is noted and the attempt's
    /// outcome stands; the worktree is then kept (see ``TaskWorkspace/release()``) so that nothing is lost.
    func concludeWorkspace(_ workspace: TaskWorkspace, task: AgentTask, outcome: String, folder: AttemptFolder, logger: Logger) async -> WorkspaceReport {
        let firstLine = task.taskDescription.split(separator: "\n").first.map(String.init) ?? ""
        let subject = firstLine.count > 60 ? String(firstLine.prefix(57)) + "..." : firstLine
        let message = "agent-turbo: \(subject)\n\nTask \(task.taskID), attempt \(task.attempt): \(outcome)."
        do {
            let (report, note) = try await workspace.conclude(commitMessage: message)
            SpoolNotes.append(note, to: folder.spoolPath)
            return report
        } catch {
            SpoolNotes.append("the changes could not be saved: \(error.message); the worktree \(workspace.path) is kept", to: folder.spoolPath)
            logger.error("could not save the agent's changes", metadata: ["error": "\(error.message)"])
            workspace.keep()
            return workspace.startReport
        }
    }

    /// Variables that tell the agent (and the setup command) where it works.
    static func workspaceEnvironment(_ workspace: TaskWorkspace) -> [String: String] {
        [
            "AGENT_TURBO_WORKTREE": workspace.path, "AGENT_TURBO_BRANCH": workspace.branch,
            "AGENT_TURBO_REPO": workspace.repository.root, "AGENT_TURBO_BASE_COMMIT": workspace.baseCommit,
        ]
    }
}
