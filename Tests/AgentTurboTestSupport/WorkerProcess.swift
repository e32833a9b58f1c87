import Foundation

/// An `agent-turbo worker` (or any long-running agent-turbo command) running as a real child process, its
/// JSON log lines collected for the test to read.
public final class WorkerProcess: @unchecked Sendable {
    public let process = Process()
    private let lock = NSLock()
    private var logData = Data()
    private var stdoutData = Data()

    /// Starts `agent-turbo arguments...` with `--log-format json`.
    public init(_ cli: CLIRunner, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        process.arguments = arguments + ["--log-format", "json"]
        process.environment = cli.environment
        if let folder = cli.currentDirectory {
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
        }
        let errors = Pipe()
        let output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.logData.append(data) }
        }
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.stdoutData.append(data) }
        }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// The log so far, one parsed JSON object per line.
    public var logLines: [[String: String]] {
        let text = lock.withLock { String(decoding: logData, as: UTF8.self) }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String]
        }
    }

    public var logText: String { lock.withLock { String(decoding: logData, as: UTF8.self) } }
    public var output: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }

    /// Process groups of the agents this worker started, by task id (from its "agent started" lines).
    public var agentGroups: [String: [Int32]] {
        var groups: [String: [Int32]] = [:]
        for line in logLines where line["msg"] == "agent started" {
            if let task = line["task_id"], let pid = line["pid"].flatMap({ Int32($0) }) {
                groups[task, default: []].append(pid)
            }
        }
        return groups
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the process to end and returns its exit status (or the signal that ended it).
    @discardableResult
    public func wait(timeout: Double = 120) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                let tail = logText.split(separator: "\n").suffix(12).joined(separator: "\n")
                process.terminate()
                throw TestTimeout("the worker did not stop within \(Int(timeout)) s; its log ends:\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// The worker's peak resident memory so far, in bytes (`VmHWM`).
    public var peakMemoryBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
        }
    }
}

/// A bounded wait ran out: the condition never became true.
public struct TestTimeout: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds. Not a timed assertion: the limit only bounds how long a broken build
/// can hang the suite, and it is generous.
public func eventually(
    _ what: String, timeout: Double = 120, every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try await condition() {
            return
        }
        if Date() > deadline {
            throw TestTimeout("waited \(Int(timeout)) s for: \(what)")
        }
        try await Task.sleep(for: interval)
    }
}

/// What /proc says about running processes.
public enum ProcessTable {
    /// Live (not zombie) processes in process group `pgid`.
    public static func members(ofGroup pgid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            return fields.count > 2 && fields[0] != "Z" && Int32(fields[2]) == pgid
        }
    }

    /// Is `pid` alive (and not a zombie)?
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)...].first != "Z"
    }
}
