import AgentTurboCore
import Foundation

/// A task's checked-out worktree: what is on its branch, saving the agent's changes as a commit, and the
/// summary of what the branch holds beyond its base.
struct WorktreeFolder: Sendable {
    let path: String
    let git: GitCommand

    /// The branch checked out here, or `nil` when HEAD is detached.
    func branch() async throws(WorkspaceError) -> String? {
        let output = try await git.run(in: path, ["symbolic-ref", "--quiet", "HEAD"])
        guard output.succeeded, output.line.hasPrefix("refs/heads/") else { return nil }
        return String(output.line.dropFirst("refs/heads/".count))
    }

    func head() async throws(WorkspaceError) -> String {
        try await git.check(in: path, ["rev-parse", "--verify", "HEAD"]).line
    }

    /// Pathspecs for everything but the files copied in by the setup (never committed: they are the host's, such
    /// as `.env`).
    private static func pathspecs(excluding copied: [String]) -> [String] {
        ["--", "."] + copied.map { ":(exclude,literal)" + $0 }
    }

    /// Whether anything would be saved: changes to tracked files, or new files that are not ignored.
    func hasUnsavedChanges(excluding copied: [String]) async throws(WorkspaceError) -> Bool {
        let output = try await git.check(
            in: path, ["status", "--porcelain", "-z", "--untracked-files=all"] + Self.pathspecs(excluding: copied)
        )
        return !output.stdout.isEmpty
    }

    /// Stages every change (new files included, ignored ones and the copied ones not) and commits it on the
    /// branch checked out here. Returns whether there was anything to commit.
    func commitChanges(message: String, excluding copied: [String], identity: [String: String]) async throws(WorkspaceError) -> Bool {
        try await git.check(in: path, ["add", "--all"] + Self.pathspecs(excluding: copied))
        let staged = try await git.run(in: path, ["diff", "--cached", "--quiet"])
        guard staged.status == 1 else {
            if staged.succeeded { return false }
            throw WorkspaceError.gitFailed(["diff", "--cached"], in: path, staged)
        }
        try await git.check(in: path, ["commit", "--quiet", "--no-verify", "--allow-empty-message", "-m", message], extraEnvironment: identity)
        return true
    }

    /// The tree the worktree's files would make if they were all committed, built in a scratch index so that
    /// nothing in the worktree changes (for `after_run: leave`).
    func snapshotTree(excluding copied: [String], scratch: String) async throws(WorkspaceError) -> String {
        let index = try await git.check(in: path, ["rev-parse", "--path-format=absolute", "--git-path", "index"]).line
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.copyItem(atPath: index, toPath: scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let environment = ["GIT_INDEX_FILE": scratch]
        try await git.check(in: path, ["add", "--all"] + Self.pathspecs(excluding: copied), extraEnvironment: environment)
        return try await git.check(in: path, ["write-tree"], extraEnvironment: environment).line
    }

    /// Files changed and lines added and removed from `base` to `target` (a commit or a tree); binary files count
    /// as changed files with no lines.
    func diffSummary(from base: String, to target: String) async throws(WorkspaceError) -> DiffSummary {
        let output = try await git.check(in: path, ["diff", "--numstat", "-z", "--no-renames", base, target, "--"])
        return DiffSummary(numstat: output.stdout)
    }

    /// The identity commits are made with: the repository's (or the user's) when git has one, else
    /// `fallback` (a worker host often has no `user.email`).
    func identity(fallback: GitIdentity) async throws(WorkspaceError) -> [String: String] {
        let email = try await git.run(in: path, ["config", "--get", "user.email"])
        let name = try await git.run(in: path, ["config", "--get", "user.name"])
        var environment: [String: String] = [:]
        let inherited = git.environment
        if !name.succeeded, inherited["GIT_AUTHOR_NAME"] == nil {
            environment["GIT_AUTHOR_NAME"] = fallback.name
            environment["GIT_COMMITTER_NAME"] = fallback.name
        }
        if !email.succeeded, inherited["GIT_AUTHOR_EMAIL"] == nil, inherited["EMAIL"] == nil {
            environment["GIT_AUTHOR_EMAIL"] = fallback.email
            environment["GIT_COMMITTER_EMAIL"] = fallback.email
        }
        return environment
    }
}

/// Who commits the agents' work when git has no identity configured.
public struct GitIdentity: Sendable, Hashable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    public static let agentTurbo = GitIdentity(name: "Agent Turbo", email: "agent-turbo@localhost")
}

/// What a branch changed: `git diff --numstat` added up.
struct DiffSummary: Sendable, Hashable {
    var files = 0
    var added = 0
    var removed = 0

    /// Reads `git diff --numstat -z --no-renames`: `ADDED\tREMOVED\tPATH\0` per file, `-` for binary counts.
    init(numstat: Data) {
        for record in numstat.split(separator: 0) where !record.isEmpty {
            let fields = record.split(separator: UInt8(ascii: "\t"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            files += 1
            added += Int(String(decoding: fields[0], as: UTF8.self)) ?? 0
            removed += Int(String(decoding: fields[1], as: UTF8.self)) ?? 0
        }
    }

    init(files: Int, added: Int, removed: Int) {
        self.files = files
        self.added = added
        self.removed = removed
    }
}
