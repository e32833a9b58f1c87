import Foundation

/// The note kept beside each task worktree (`<root>/<repository>/<task>.json`), written before the worktree is
/// made: which repository, branch and attempt it belongs to, where that attempt's folder is, and once the
/// attempt is over, until when it is kept. It lets any later worker on the host save and remove a worktree
/// whose worker died, and finish the job of one whose removal was cut short.
struct WorkspaceMarker: Sendable, Codable, Hashable {
    var taskID: String
    var attempt: Int
    /// The repository's main work tree (or bare folder) and its shared git folder.
    var repository: String
    var commonDirectory: String
    var path: String
    var branch: String
    var baseCommit: String
    /// Files the setup copied in (never committed).
    var copied: [String]
    var workerID: String
    /// The attempt's folder under the worker's run directory: while it has no status file, its supervisor may
    /// still be stopping the agent.
    var attemptFolder: String?
    var afterRun: WorkspaceSettings.AfterRun
    /// Set when the attempt is over.
    var finishedAt: Date?
    var keepUntil: Date?
    /// Never removed by a sweep: the agent left HEAD off the task's branch, so removing could lose commits.
    var pinned = false

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case attempt
        case repository
        case commonDirectory = "common_dir"
        case path
        case branch
        case baseCommit = "base_commit"
        case copied
        case workerID = "worker_id"
        case attemptFolder = "attempt_folder"
        case afterRun = "after_run"
        case finishedAt = "finished_at"
        case keepUntil = "keep_until"
        case pinned
    }

    static func read(_ file: String) -> WorkspaceMarker? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(WorkspaceMarker.self, from: data)
    }

    /// Writes it whole or not at all (a temporary file renamed over the old one).
    func write(to file: String) throws(WorkspaceError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let temporary = file + ".tmp"
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, file) == 0 else {
                throw WorkspaceError(.diskFailed, "cannot write \(file): \(String(cString: strerror(errno)))")
            }
        } catch let error as WorkspaceError {
            throw error
        } catch {
            throw WorkspaceError(.diskFailed, "cannot write \(file): \(error.localizedDescription)")
        }
    }
}

/// Where a repository's task worktrees and their markers live under the root: one folder per repository,
/// named for people (the repository's folder name) and told apart by a hash of its git folder.
enum WorkspaceLayout {
    static func repositoryFolder(root: String, repository: GitRepository) -> String {
        let name = URL(fileURLWithPath: repository.root).lastPathComponent
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }.prefix(40))
        return "\(root)/\(safe.isEmpty || safe.hasPrefix(".") ? "repo" : safe)-\(fnv1a(repository.commonDirectory))"
    }

    /// A stable hash (Swift's `Hasher` differs per process).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(String(hash, radix: 16).suffix(10))
    }
}
