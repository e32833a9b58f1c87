import Foundation

/// Why a task's workspace could not be made, set up or saved. The code says whether another attempt can help:
/// a repository this host lacks, a base that names no commit or a branch that belongs to something else will be
/// the same next time; a git command that failed or a setup command that exited badly may not.
public struct WorkspaceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The task's repository does not exist on this host, or is not a git repository.
        public static let repositoryMissing = Code(name: "repository_missing")
        /// The task's base names no commit in the repository.
        public static let baseNotFound = Code(name: "base_not_found")
        /// The task's branch exists already and is not the task's own (its first attempt found it).
        public static let branchTaken = Code(name: "branch_taken")
        /// The branch name made from the prefix and the task id is not one git accepts.
        public static let badBranchName = Code(name: "bad_branch_name")
        /// git is not installed on this host.
        public static let gitMissing = Code(name: "git_missing")
        /// A git command failed or timed out.
        public static let gitFailed = Code(name: "git_failed")
        /// Another process held the repository's or the task's lock for too long.
        public static let busy = Code(name: "busy")
        /// A file to copy into the worktree is missing, or copying failed.
        public static let copyFailed = Code(name: "copy_failed")
        /// A folder or file of agent-turbo's own under the worktree root could not be made or written.
        public static let diskFailed = Code(name: "disk_failed")
        /// The setup command failed, timed out or could not start.
        public static let setupFailed = Code(name: "setup_failed")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Failures that no later attempt can fix.
    public var isPermanent: Bool {
        [.repositoryMissing, .baseNotFound, .branchTaken, .badBranchName].contains(code)
    }

    static func gitFailed(_ arguments: [String], in directory: String, _ output: GitCommand.Output) -> WorkspaceError {
        let command = "git " + arguments.prefix(3).joined(separator: " ")
        if output.timedOut {
            return WorkspaceError(.gitFailed, "\(command) in \(directory) did not finish in time and was killed")
        }
        let said = output.errorText.split(separator: "\n").last.map(String.init) ?? "exit status \(output.status)"
        return WorkspaceError(.gitFailed, "\(command) in \(directory) failed: \(said)")
    }
}
