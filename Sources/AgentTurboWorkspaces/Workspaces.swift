import AgentTurboCore
import Foundation

/// Makes, saves and cleans up task worktrees on one host. Stateless: everything it knows is on disk (the
/// repositories, and a marker beside each worktree), and processes on the host coordinate through locks the
/// kernel releases when a process dies, so any number of workers can share a repository and a root.
public struct Workspaces: Sendable {
    public let settings: WorkspaceSettings
    let git: Result<GitCommand, WorkspaceError>
    let host: String

    /// How long an attempt waits for the task's lock, held by an attempt of the same task that is still
    /// saving its work (or a sweep removing its worktree).
    static let taskLockWait: Duration = .seconds(300)

    public init(settings: WorkspaceSettings, environment: [String: String], host: String = ProcessInfo.processInfo.hostName) {
        self.settings = settings
        self.host = host
        self.git = Result { () throws(WorkspaceError) in try GitCommand(environment: environment, timeout: settings.gitTimeout) }
    }

    /// What an attempt asks for.
    public struct Request: Sendable {
        public var taskID: String
        public var attempt: Int
        public var workerID: String
        public var repo: String
        /// The task's `base` (`nil`: the repository's HEAD).
        public var base: String?
        /// What earlier attempts recorded: the branch's base and head, so that a retry continues where they
        /// ended even on a host whose repository lacks the branch.
        public var recorded: WorkspaceReport?
        public var attemptFolder: String?

        public init(taskID: String, attempt: Int, workerID: String, repo: String, base: String?, recorded: WorkspaceReport?, attemptFolder: String?) {
            self.taskID = taskID
            self.attempt = attempt
            self.workerID = workerID
            self.repo = repo
            self.base = base
            self.recorded = recorded
            self.attemptFolder = attemptFolder
        }
    }

    /// Makes the task's worktree on its branch (or takes back the one a kept or interrupted attempt left),
    /// copies the repository's configured files into it, and holds the task's lock until the workspace is
    /// released.
    public func prepare(_ request: Request) async throws(WorkspaceError) -> TaskWorkspace {
        let git = try self.git.get()
        let repository = try await GitRepository.open(request.repo, git: git, host: host)
        let folder = WorkspaceLayout.repositoryFolder(root: settings.root, repository: repository)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw WorkspaceError(.diskFailed, "cannot make the worktree folder \(folder): \(error.localizedDescription)")
        }
        let name = BranchName.escape(request.taskID)
        let lock = try await FileLock.acquire(folder + "/" + name + ".lock", wait: Self.taskLockWait, what: "the worktree of task \(request.taskID)")
        do {
            return try await prepare(request, repository: repository, folder: folder, name: name, lock: lock)
        } catch {
            lock.release()
            throw error
        }
    }

    private func prepare(
        _ request: Request, repository: GitRepository, folder: String, name: String, lock: FileLock
    ) async throws(WorkspaceError) -> TaskWorkspace {
        let git = repository.git
        let markerPath = folder + "/" + name + ".json"
        let path = folder + "/" + name
        let branch = BranchName.make(prefix: settings.branchPrefix, taskID: request.taskID)
        let check = try await git.run(in: repository.root, ["check-ref-format", "--branch", branch])
        guard check.succeeded else {
            throw WorkspaceError(.badBranchName, "the branch name '\(branch)' is not one git accepts: change worktrees.branch_prefix")
        }
        var notes: [String] = []
        let previous = WorkspaceMarker.read(markerPath)
        let baseCommit = try await ensureBranch(branch, request: request, repository: repository, previous: previous, notes: &notes)
        let setup = settings.setup(forRepository: [request.repo, repository.root])
        var marker = WorkspaceMarker(
            taskID: request.taskID, attempt: request.attempt, repository: repository.root,
            commonDirectory: repository.commonDirectory, path: path, branch: branch, baseCommit: baseCommit,
            copied: setup?.copy ?? [], workerID: request.workerID, attemptFolder: request.attemptFolder,
            afterRun: settings.afterRun
        )
        try marker.write(to: markerPath)

        let worktrees = try await repository.worktrees()
        let here = WorkspaceSettings.resolved(path)
        if let elsewhere = worktrees.first(where: { $0.branch == branch && WorkspaceSettings.resolved($0.path) != here }) {
            throw WorkspaceError(
                .busy,
                "the branch \(branch) is checked out in \(elsewhere.path): the task cannot run in a worktree of its own until that checkout moves to another branch"
            )
        }
        let registered = worktrees.first { WorkspaceSettings.resolved($0.path) == here }
        let exists = FileManager.default.fileExists(atPath: path)
        if let registered, exists {
            guard registered.branch == branch else {
                throw WorkspaceError(
                    .busy,
                    "the worktree \(path) an earlier attempt left is not on \(branch) (the agent moved HEAD), so it is kept as it is: look at it, then remove it with git worktree remove"
                )
            }
            notes.append("continuing in the worktree \(path) that an earlier attempt left")
        } else {
            if exists {
                // A folder git does not know as a worktree (a removal cut short): set it aside, lose nothing.
                let aside = path + ".stale-" + String(Int(Date().timeIntervalSince1970))
                try? FileManager.default.moveItem(atPath: path, toPath: aside)
                notes.append("moved a stale folder aside to \(aside)")
            }
            try await repository.addWorktree(at: path, branch: branch)
        }
        for file in marker.copied {
            try copy(file, from: repository.root, to: path)
        }
        if !marker.copied.isEmpty {
            notes.append("copied \(marker.copied.joined(separator: ", ")) from \(repository.root)")
        }
        marker.pinned = previous?.pinned ?? false
        try marker.write(to: markerPath)
        return TaskWorkspace(
            repository: repository, settings: settings, marker: marker, markerPath: markerPath, lock: lock,
            setup: setup, notes: notes
        )
    }

    /// Finds or makes the task's branch; returns its base commit.
    private func ensureBranch(
        _ branch: String, request: Request, repository: GitRepository, previous: WorkspaceMarker?, notes: inout [String]
    ) async throws(WorkspaceError) -> String {
        let recorded = request.recorded?.branch == branch ? request.recorded : nil
        func local(_ commit: String?) async throws(WorkspaceError) -> String? {
            guard let commit else { return nil }
            return try await repository.commit(named: commit)
        }
        if let head = try await repository.head(ofBranch: branch) {
            guard request.attempt > 1 || previous != nil || recorded != nil else {
                throw WorkspaceError(
                    .branchTaken,
                    "the branch \(branch) already exists in \(repository.root) and is not this task's: delete or rename it, or submit the task with another --id"
                )
            }
            let base = try await local(recorded?.baseCommit) ?? previous?.baseCommit ?? head
            notes.append("continuing on branch \(branch) at \(head.prefix(12))")
            return base
        }
        let requested = request.base ?? "HEAD"
        let recordedBase = try await local(recorded?.baseCommit)
        let recordedHead = try await local(recorded?.headCommit)
        if let lost = recorded?.headCommit, recordedHead == nil {
            notes.append("the branch's last commit \(lost.prefix(12)) from an earlier attempt is not in this host's repository: starting again from the base")
        }
        var found = recordedHead ?? recordedBase
        if found == nil {
            found = try await repository.commit(named: requested)
        }
        guard let start = found else {
            throw WorkspaceError(.baseNotFound, "the base '\(requested)' names no commit in \(repository.root) on \(host): give a branch, tag or commit that exists there")
        }
        if try await repository.createBranch(branch, at: start) {
            notes.append("made branch \(branch) at \(start.prefix(12)) (\(recordedHead != nil ? "the earlier attempt's last commit" : requested))")
        }
        let base = recordedBase ?? start
        return base
    }

    /// Copies a configured file (or folder) from the repository's root to the same place in the worktree.
    private func copy(_ file: String, from root: String, to worktree: String) throws(WorkspaceError) {
        let source = root + "/" + file
        let target = worktree + "/" + file
        guard FileManager.default.fileExists(atPath: source) else {
            throw WorkspaceError(.copyFailed, "\(file), to be copied into each worktree, is missing from \(root) on \(host): add it there or remove it from worktrees.repositories")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path, withIntermediateDirectories: true
            )
            if FileManager.default.fileExists(atPath: target) {
                try FileManager.default.removeItem(atPath: target)
            }
            try FileManager.default.copyItem(atPath: source, toPath: target)
        } catch {
            throw WorkspaceError(.copyFailed, "cannot copy \(file) into the worktree \(worktree): \(error.localizedDescription)")
        }
    }
}
