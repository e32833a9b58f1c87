extension NewTask {
    /// `repo`, `worktree` and `base` go together: a worktree needs a repository, and a repository or a base
    /// means nothing without a worktree.
    func validateWorkspace() throws(InputError) {
        guard worktree || (repo == nil && base == nil) else {
            throw InputError(
                "\(repo != nil ? "repo" : "base") is given without worktree: add --worktree (\"worktree\": true) to run the task in a worktree of the repository, or use --cwd to run it in a folder as it is"
            )
        }
        guard worktree else { return }
        guard let repo, !repo.isEmpty else {
            throw InputError("worktree needs a repository: give --repo PATH (\"repo\": \"/path/to/checkout\")")
        }
        // Lengths in Unicode code points, as the OpenAPI document's maxLength counts them; the first byte, not
        // the first character (a combining mark after "/" or "-" makes a different first character).
        guard repo.utf8.first == UInt8(ascii: "/"), !repo.utf8.contains(0), repo.unicodeScalars.count <= 4096 else {
            throw InputError("repo must be an absolute path to a git checkout, not '\(repo)'")
        }
        if workingDir != nil {
            throw InputError("give either working_dir or repo, not both: a worktree task runs in its own worktree of the repository")
        }
        if let base {
            let refused = base.isEmpty || base.unicodeScalars.count > 256 || base.utf8.first == UInt8(ascii: "-")
                || base.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F }
            guard !refused else {
                throw InputError("base '\(base)' is not a git ref or commit: give a branch, tag or commit such as main or v1.2 (no spaces, not starting with '-')")
            }
        }
    }
}
