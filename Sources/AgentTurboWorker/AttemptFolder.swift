import AgentTurboAgents
import AgentTurboCore
import Foundation

/// One attempt's folder under the worker's run directory: the supervisor's spool and status, the prompt when
/// it goes on stdin, the agent's own config folder (`CLAUDE_CONFIG_DIR`, so parallel Claude Code instances never
/// write the same files) and its temporary files. `attempt.json` names the attempt, so that a worker started
/// after this one died can ship what the spool still holds and record an outcome the agent reached.
/// Removed once the outcome is recorded.
struct AttemptFolder: Sendable {
    let path: String

    /// What `attempt.json` holds.
    struct Record: Sendable, Codable {
        var taskID: String
        var workerID: String
        var attempt: Int
        var agent: String
        var outputFormat: String
        /// The worker process that ran it.
        var pid: Int32

        var ref: AttemptRef { AttemptRef(taskID: taskID, workerID: workerID, attempt: attempt) }

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case workerID = "worker_id"
            case attempt
            case agent
            case outputFormat = "output_format"
            case pid
        }
    }

    static func create(under runDirectory: String, for record: Record) throws -> AttemptFolder {
        let path = "\(runDirectory)/\(record.taskID)-\(record.attempt)-\(UUID().uuidString.prefix(8).lowercased())"
        // mkdir(2) first: one system call in the usual case (FileManager checks and sets more, per attempt).
        if mkdir(path, 0o700) != 0 {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let folder = AttemptFolder(path: path)
        try ScratchFile.write(try JSONEncoder().encode(record), to: folder.recordPath)
        return folder
    }

    var recordPath: String { path + "/attempt.json" }
    var spoolPath: String { path + "/spool" }
    var statusPath: String { path + "/status" }

    func readRecord() -> Record? {
        guard let data = FileManager.default.contents(atPath: recordPath) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }

    /// A fresh config folder holding copies of the user's credentials and settings, so that a subscription
    /// login keeps working (an API key in the environment needs nothing).
    func agentConfigDirectory(seededFrom configured: String?, home: String?) throws -> String {
        let folder = try self.folder("agent-config")
        let source = configured ?? home.map { $0 + "/.claude" }
        for name in Self.seededFiles {
            guard let source, FileManager.default.fileExists(atPath: "\(source)/\(name)") else { continue }
            try? FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(folder)/\(name)")
        }
        return folder
    }

    /// A folder inside the attempt's folder.
    func folder(_ name: String) throws -> String {
        let folder = path + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder
    }

    /// The files of a Claude Code config folder that carry the login and the user's settings.
    static let seededFiles = [".credentials.json", "settings.json", ".claude.json"]

    /// Removes the folder: its files with unlink(2), any folder in it (an agent's config folder) through
    /// FileManager.
    func remove() {
        guard let directory = opendir(path) else { return }
        var folders: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            if unlink(path + "/" + name) != 0 {
                folders.append(name)
            }
        }
        closedir(directory)
        for name in folders {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
        rmdir(path)
    }

    /// Bytes the folder's spool and kept ends take on disk.
    var spoolBytes: Int {
        ["spool", "stdout.tail", "stderr.tail"].reduce(0) { total, name in
            var info = stat()
            return total + (stat(path + "/" + name, &info) == 0 ? Int(info.st_size) : 0)
        }
    }

    /// Bytes the spools of every attempt folder under the run directory take (this worker's, other workers'
    /// on the host that share it, and folders left by a dead one): what the heartbeat reports. A spool is
    /// bounded by the output cap and removed once its attempt is recorded, so this is what the database owes
    /// the host.
    static func spoolBytes(under runDirectory: String) -> Int {
        guard let directory = opendir(runDirectory) else { return 0 }
        defer { closedir(directory) }
        var total = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            total += AttemptFolder(path: runDirectory + "/" + name).spoolBytes
        }
        return total
    }
}
