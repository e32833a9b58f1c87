/// What a task's worktree holds, as its worker records it: the branch (named when the worktree is made), the
/// commit it started from, and after each attempt the branch's head and what it changed since the base.
public struct WorkspaceReport: Sendable, Hashable, Codable {
    public var branch: String
    /// The commit the branch was made from; the diff summary counts from it.
    public var baseCommit: String?
    /// The branch's last commit after the latest attempt (the agent's changes committed on it).
    public var headCommit: String?
    public var filesChanged: Int?
    public var linesAdded: Int?
    public var linesRemoved: Int?

    public init(
        branch: String, baseCommit: String? = nil, headCommit: String? = nil, filesChanged: Int? = nil,
        linesAdded: Int? = nil, linesRemoved: Int? = nil
    ) {
        self.branch = branch
        self.baseCommit = baseCommit
        self.headCommit = headCommit
        self.filesChanged = filesChanged
        self.linesAdded = linesAdded
        self.linesRemoved = linesRemoved
    }

    /// `3 files, +10 -2`, or `no changes`.
    public var diffText: String? {
        guard let files = filesChanged else { return nil }
        if files == 0 {
            return "no changes"
        }
        return "\(files) file\(files == 1 ? "" : "s"), +\(linesAdded ?? 0) -\(linesRemoved ?? 0)"
    }

    enum CodingKeys: String, CodingKey {
        case branch
        case baseCommit = "base_commit"
        case headCommit = "head_commit"
        case filesChanged = "files_changed"
        case linesAdded = "lines_added"
        case linesRemoved = "lines_removed"
    }
}
