import AgentTurboCore
import Foundation

/// A scratch folder for one attempt, removed when it ends. It holds the agent's own config folder
/// (`CLAUDE_CONFIG_DIR`), so that parallel Claude Code instances never write the same files.
struct AttemptDirectory {
    let path: String

    static func create(under runDirectory: String, for ref: AttemptRef) throws -> AttemptDirectory {
        let path = "\(runDirectory)/\(ref.taskID)-\(ref.attempt)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return AttemptDirectory(path: path)
    }

    /// A fresh config folder holding copies of the user's credentials and settings, so that a subscription
    /// login keeps working (an API key in the environment needs nothing).
    func agentConfigDirectory(seededFrom configured: String?, home: String?) throws -> String {
        let folder = path + "/agent-config"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let source = configured ?? home.map { $0 + "/.claude" }
        for name in Self.seededFiles {
            guard let source, FileManager.default.fileExists(atPath: "\(source)/\(name)") else { continue }
            try? FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(folder)/\(name)")
        }
        return folder
    }

    /// A folder inside the scratch folder.
    func folder(_ name: String) throws -> String {
        let folder = path + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder
    }

    /// The files of a Claude Code config folder that carry the login and the user's settings.
    static let seededFiles = [".credentials.json", "settings.json", ".claude.json"]

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
