import AgentTurboCore
import Foundation
import Synchronization

/// One attempt's worktree, held (under the task's lock) from ``Workspaces/prepare(_:)`` until ``release()``:
/// where the agent runs, what was done to make it, and at the end its changes saved and summed up.
public final class TaskWorkspace: Sendable {
    public let repository: GitRepository
    let settings: WorkspaceSettings
    let markerPath: String
    let lock: FileLock
    /// The repository's setup (files copied in, a command to run), if configured.
    public let setup: RepositorySetup?
    /// What making it did, in words for the task's log.
    public let notes: [String]
    private let markerState: Mutex<WorkspaceMarker>

    init(
        repository: GitRepository, settings: WorkspaceSettings, marker: WorkspaceMarker, markerPath: String,
        lock: FileLock, setup: RepositorySetup?, notes: [String]
    ) {
        self.repository = repository
        self.settings = settings
        self.markerState = Mutex(marker)
        self.markerPath = markerPath
        self.lock = lock
        self.setup = setup
        self.notes = notes
    }

    var marker: WorkspaceMarker { markerState.withLock { $0 } }
    public var branch: String { marker.branch }
    public var baseCommit: String { marker.baseCommit }
    /// The worktree's top folder.
    public var path: String { marker.path }
    /// Where the agent starts: the same subfolder of the worktree as the task's repository path is of its
    /// work tree (the top for most tasks).
    public var workingDirectory: String {
        repository.subfolder.isEmpty ? path : path + "/" + repository.subfolder.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// What is known before the agent runs: the branch and its base.
    public var startReport: WorkspaceReport {
        WorkspaceReport(branch: branch, baseCommit: baseCommit)
    }

    /// After the agent ended: commits its changes on the branch (with `after_run: commit`), and sums up what the
    /// branch holds beyond its base. Returns the report and a line for the task's log.
    public func conclude(commitMessage: String) async throws(WorkspaceError) -> (report: WorkspaceReport, note: String) {
        let marker = self.marker
        let folder = WorktreeFolder(path: marker.path, git: repository.git)
        let onBranch = try await folder.branch()
        var note: String
        let target: String
        if onBranch != marker.branch {
            // Saving now could put the agent's work on a branch that is not the task's, or on no branch: keep
            // the worktree as it is, for a person to look at.
            markerState.withLock { $0.pinned = true }
            try self.marker.write(to: markerPath)
            note = "the agent left the worktree on \(onBranch.map { "branch \($0)" } ?? "a detached HEAD"): nothing was committed, and the worktree \(marker.path) is kept"
            target = try await folder.head()
        } else if marker.afterRun == .commit {
            let identity = try await folder.identity(fallback: settings.identity)
            let committed = try await folder.commitChanges(message: commitMessage, excluding: marker.copied, identity: identity)
            target = try await folder.head()
            note = committed ? "committed the changes on \(marker.branch) as \(target.prefix(12))" : "no uncommitted changes; \(marker.branch) is at \(target.prefix(12))"
        } else {
            let scratch = String(markerPath.dropLast(".json".count)) + ".index"
            target = try await folder.snapshotTree(excluding: marker.copied, scratch: scratch)
            note = "changes left uncommitted in \(marker.path)"
        }
        let head = try await folder.head()
        let summary = try await folder.diffSummary(from: marker.baseCommit, to: target)
        let report = WorkspaceReport(
            branch: marker.branch, baseCommit: marker.baseCommit, headCommit: head, filesChanged: summary.files,
            linesAdded: summary.added, linesRemoved: summary.removed
        )
        note += " (\(report.diffText ?? "") since \(marker.baseCommit.prefix(12)))"
        return (report, note)
    }

    /// Keeps the worktree whatever the retention: its changes could not be saved.
    public func keep() {
        markerState.withLock { $0.pinned = true }
    }

    /// Ends the attempt's hold on the worktree: removes it now (retention 0), saving anything unsaved first,
    /// or marks it kept until the retention time, for a later sweep. Returns a line for the log.
    @discardableResult
    public func release() async -> String {
        defer { lock.release() }
        let now = Date()
        markerState.withLock { marker in
            marker.finishedAt = now
            marker.keepUntil = now.addingTimeInterval(settings.retention)
        }
        let marker = self.marker
        if settings.retention <= 0, !marker.pinned {
            do {
                let note = try await WorktreeRemoval(
                    repository: repository, marker: marker, markerPath: markerPath, identity: settings.identity
                ).run()
                lock.removeFile()
                return note
            } catch {
                try? marker.write(to: markerPath)
                return "the worktree \(marker.path) was kept: \(error.message)"
            }
        }
        do {
            try marker.write(to: markerPath)
        } catch {
            return "the worktree \(marker.path) is kept, but its marker could not be written: \(error.message)"
        }
        if marker.pinned {
            return "the worktree \(marker.path) is kept until someone looks at it"
        }
        return "the worktree \(marker.path) is kept until \(Timestamp.format(marker.keepUntil ?? now))"
    }
}

/// Saves whatever a worktree holds that is not on its branch yet (a commit of the agent-turbo identity), then
/// removes the worktree, and the branch too when it holds no commit of its own. Never forces past a check
/// that could lose work: a worktree whose HEAD is off the branch is kept.
struct WorktreeRemoval: Sendable {
    let repository: GitRepository
    let marker: WorkspaceMarker
    let markerPath: String
    let identity: GitIdentity

    func run() async throws(WorkspaceError) -> String {
        let git = repository.git
        guard FileManager.default.fileExists(atPath: marker.path) else {
            try? await repository.removeWorktree(at: marker.path)
            removeMarker()
            return "the worktree \(marker.path) was already gone"
        }
        let folder = WorktreeFolder(path: marker.path, git: git)
        guard try await folder.branch() == marker.branch else {
            // Kept from now on, and not looked at again by sweeps.
            var pinned = marker
            pinned.pinned = true
            try? pinned.write(to: markerPath)
            throw WorkspaceError(.busy, "HEAD is not on \(marker.branch): removing it could lose commits")
        }
        var saved = ""
        if try await folder.hasUnsavedChanges(excluding: marker.copied) {
            let fallback = try await folder.identity(fallback: identity)
            let message = "agent-turbo: changes left in the worktree of task \(marker.taskID)\n\nSaved when the worktree was removed (attempt \(marker.attempt))."
            if try await folder.commitChanges(message: message, excluding: marker.copied, identity: fallback) {
                saved = "saved what was left uncommitted, then "
            }
        }
        let head = try await folder.head()
        try await repository.removeWorktree(at: marker.path)
        var branchNote = ""
        if head == marker.baseCommit, try await repository.isContainedElsewhere(head, except: marker.branch) {
            try await repository.deleteBranch(marker.branch, ifAt: head)
            branchNote = "; the branch had no commits of its own and was deleted"
        }
        removeMarker()
        return "\(saved)removed the worktree \(marker.path)\(branchNote)"
    }

    private func removeMarker() {
        unlink(markerPath)
    }
}
