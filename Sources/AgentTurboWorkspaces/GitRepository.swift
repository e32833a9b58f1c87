import Foundation

/// A repository a task names: where its work tree and shared git folder are, and the ref and worktree
/// operations a task's workspace needs. Branches are made and deleted with `git update-ref` and an expected
/// old value, so git's own ref lock decides between processes and nothing is ever overwritten; adding, removing
/// and listing worktrees (which read each other's entries under `.git/worktrees`) take the repository's lock.
public struct GitRepository: Sendable {
    /// The path as the task gave it.
    public let path: String
    /// The main work tree (for a bare repository, its folder).
    public let root: String
    /// The folder every worktree shares (`.git` of the main work tree).
    public let commonDirectory: String
    /// Where in the work tree the task's path is ("" at the top, `packages/app/` for a subfolder).
    public let subfolder: String
    public let isBare: Bool
    let git: GitCommand

    /// How long to wait for the repository's lock before giving up on this attempt.
    static let lockWait: Duration = .seconds(120)

    static func open(_ path: String, git: GitCommand, host: String) async throws(WorkspaceError) -> GitRepository {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WorkspaceError(.repositoryMissing, "the repository \(path) does not exist on \(host): clone it there, or run the task on a host that has it")
        }
        let found = try await git.run(in: path, ["rev-parse", "--is-bare-repository", "--path-format=absolute", "--git-common-dir"])
        let lines = found.text.split(separator: "\n").map(String.init)
        guard found.succeeded, lines.count == 2 else {
            throw WorkspaceError(.repositoryMissing, "\(path) on \(host) is not a git repository (\(found.errorText)): give --repo the folder of a git checkout")
        }
        let isBare = lines[0] == "true"
        var root = path
        var subfolder = ""
        if !isBare {
            let top = try await git.check(in: path, ["rev-parse", "--show-toplevel", "--show-prefix"])
            let parts = top.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            root = parts.first ?? path
            subfolder = parts.count > 1 ? parts[1] : ""
        }
        return GitRepository(path: path, root: root, commonDirectory: lines[1], subfolder: subfolder, isBare: isBare, git: git)
    }

    /// The commit `ref` names, or `nil` if it names none.
    public func commit(named ref: String) async throws(WorkspaceError) -> String? {
        let output = try await git.run(in: root, ["rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"])
        return output.succeeded && !output.line.isEmpty ? output.line : nil
    }

    /// The commit a local branch points at, or `nil` when there is no such branch.
    public func head(ofBranch branch: String) async throws(WorkspaceError) -> String? {
        try await commit(named: "refs/heads/" + branch)
    }

    /// Creates the branch at `commit` unless a branch of that name exists (git's ref lock decides between
    /// processes). Returns whether it was created.
    func createBranch(_ branch: String, at commit: String) async throws(WorkspaceError) -> Bool {
        let output = try await git.run(in: root, ["update-ref", "-m", "agent-turbo: task branch", "refs/heads/" + branch, commit, ""])
        if output.succeeded {
            return true
        }
        if try await head(ofBranch: branch) != nil {
            return false
        }
        throw WorkspaceError.gitFailed(["update-ref", "refs/heads/" + branch], in: root, output)
    }

    /// Deletes the branch if it still points at `commit` and no worktree has it checked out.
    func deleteBranch(_ branch: String, ifAt commit: String) async throws(WorkspaceError) {
        guard try await worktrees().allSatisfy({ $0.branch != branch }) else { return }
        _ = try await git.run(in: root, ["update-ref", "-m", "agent-turbo: branch without work of its own", "-d", "refs/heads/" + branch, commit])
    }

    /// Whether some branch, remote-tracking branch or tag other than `branch` contains `commit`: then deleting
    /// `branch` loses nothing.
    func isContainedElsewhere(_ commit: String, except branch: String) async throws(WorkspaceError) -> Bool {
        let output = try await git.check(
            in: root,
            ["for-each-ref", "--contains", commit, "--format=%(refname)", "refs/heads", "refs/remotes", "refs/tags"]
        )
        return output.text.split(separator: "\n").contains { $0 != "refs/heads/" + branch }
    }

    /// One entry of `git worktree list`.
    struct WorktreeEntry: Sendable, Hashable {
        var path: String
        var branch: String?
    }

    /// The worktrees git knows, read under the repository's lock: `git worktree list` fails outright when it
    /// meets the entry another process's `worktree add` is still writing.
    func worktrees() async throws(WorkspaceError) -> [WorktreeEntry] {
        let output: GitCommand.Output
        do {
            let lock = try await takeLock()
            defer { lock.release() }
            output = try await git.check(in: root, ["worktree", "list", "--porcelain", "-z"])
        }
        var entries: [WorktreeEntry] = []
        for field in output.stdout.split(separator: 0, omittingEmptySubsequences: false).map({ String(decoding: $0, as: UTF8.self) }) {
            if field.hasPrefix("worktree ") {
                entries.append(WorktreeEntry(path: String(field.dropFirst("worktree ".count))))
            } else if field.hasPrefix("branch refs/heads/"), !entries.isEmpty {
                entries[entries.count - 1].branch = String(field.dropFirst("branch refs/heads/".count))
            }
        }
        return entries
    }

    /// Checks `branch` out in a new worktree at `path`. The entry is made under the repository's lock, without
    /// a checkout; the files are then written outside it, so many tasks starting at once wait only for the
    /// short part.
    func addWorktree(at path: String, branch: String) async throws(WorkspaceError) {
        do {
            let lock = try await takeLock()
            defer { lock.release() }
            var output = try await git.run(in: root, ["worktree", "add", "--no-checkout", "--end-of-options", path, branch])
            if !output.succeeded, output.errorText.contains("missing but") {
                // A worktree of this path was deleted without git knowing: forget it, then add again.
                try await git.check(in: root, ["worktree", "prune"])
                output = try await git.run(in: root, ["worktree", "add", "--no-checkout", "--end-of-options", path, branch])
            }
            guard output.succeeded else {
                throw WorkspaceError.gitFailed(["worktree", "add", path], in: root, output)
            }
        }
        try await git.check(in: path, ["reset", "--hard", "--quiet"])
    }

    /// Removes a worktree and its entry (its changes must have been saved before: this forces).
    func removeWorktree(at path: String) async throws(WorkspaceError) {
        let lock = try await takeLock()
        defer { lock.release() }
        let output = try await git.run(in: root, ["worktree", "remove", "--force", "--force", "--end-of-options", path])
        if !output.succeeded {
            if FileManager.default.fileExists(atPath: path) {
                throw WorkspaceError.gitFailed(["worktree", "remove", path], in: root, output)
            }
            try await git.check(in: root, ["worktree", "prune"])
        }
    }

    /// The lock every agent-turbo process on the host takes to add, remove or list this repository's worktrees.
    var lockPath: String { commonDirectory + "/agent-turbo-worktrees.lock" }

    private func takeLock() async throws(WorkspaceError) -> FileLock {
        try await FileLock.acquire(lockPath, wait: Self.lockWait, what: "the repository \(root)")
    }
}
