import AgentTurboCore

extension TaskDetail {
    /// The repository, branch and what the branch changed, for a task run in a worktree.
    func workspaceLines() -> [(String, String)] {
        guard task.worktree else { return [] }
        var lines = [("repo", task.repo ?? "-"), ("base", task.base ?? "HEAD (the repository's, when it first ran)")]
        guard let workspace = task.workspace else {
            lines.append(("branch", "(made when a worker first runs it)"))
            return lines
        }
        var branch = workspace.branch
        if let head = workspace.headCommit, head == workspace.baseCommit {
            branch += " (no commits of its own: deleted with its worktree)"
        }
        lines.append(("branch", branch))
        if let base = workspace.baseCommit {
            lines.append(("base_commit", String(base.prefix(12))))
        }
        if let head = workspace.headCommit {
            lines.append(("head_commit", String(head.prefix(12))))
        }
        if let diff = workspace.diffText {
            lines.append(("diff", diff))
        }
        return lines
    }
}
