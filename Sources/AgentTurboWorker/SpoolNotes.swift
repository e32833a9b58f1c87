import AgentTurboAgents
import Foundation

/// agent-turbo's own lines in an attempt's spool (what its worktree is, what the setup did, what was
/// committed), stored with the agent's output as the `system` stream. Written only while no supervisor is
/// writing the spool (before the agent's starts, after it ended), so records never interleave.
enum SpoolNotes {
    static func append(_ text: String, to spoolPath: String) {
        let data = Data(("[agent-turbo] " + text + "\n").utf8)
        var record = Data([
            UInt8(data.count & 0xff), UInt8((data.count >> 8) & 0xff), UInt8((data.count >> 16) & 0xff),
            UInt8((data.count >> 24) & 0xff), SpoolRecord.Kind.note.rawValue, 0, 0, 0,
        ])
        record.append(data)
        let fd = open(spoolPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// How many records the spool holds now.
    static func recordCount(_ spoolPath: String) -> Int {
        let reader = SpoolReader(path: spoolPath)
        reader.skip(records: .max)
        return reader.recordsRead
    }
}
