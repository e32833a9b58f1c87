import Foundation

/// How an agent ended, as its supervisor saw it (`DIR/status`), and what the kernel counted for it and
/// everything it started.
public struct ProcessExit: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        case exited(Int)
        case signaled(Int)
    }

    public var status: Status
    /// Largest resident set of the agent or any process it started, in bytes (`ru_maxrss`).
    public var peakMemoryBytes: Int
    public var userCPUSeconds: Double
    public var systemCPUSeconds: Double
    public var wallSeconds: Double
    /// When the supervisor saw the agent end; `nil` if it never started or the supervisor said nothing.
    public var endedAt: MonotonicInstant?
    /// When the supervisor was first asked to stop the agent (or saw the worker die); `nil` if never.
    public var stoppedAt: MonotonicInstant?
    /// The agent could not even start (a missing program or folder, an argument list too long).
    public var launchFailure: LaunchFailure?
    /// The worker's lifeline closed before the agent ended (only an adopted attempt can see this).
    public var workerDied = false
    /// Whether the supervisor sent the agent a stop signal before it saw the agent end (`nil`: no status file).
    /// `false` with a stop request on record means the agent had already ended by itself when the request came.
    public var stopDelivered: Bool?
    /// The supervisor itself failed (killed, or could not write its status).
    public var supervisorFailed = false
    public var output = OutputTotals()

    /// Why exec (or what came before it) failed.
    public struct LaunchFailure: Sendable, Hashable {
        public var errorNumber: Int32
        /// `cwd`, `stdin` or `exec`.
        public var stage: String

        public init(errorNumber: Int32, stage: String) {
            self.errorNumber = errorNumber
            self.stage = stage
        }

        public var message: String { String(cString: strerror(errorNumber)) }
    }

    /// What the agent printed, and how much of it was kept.
    public struct OutputTotals: Sendable, Hashable {
        public var stdoutBytes = 0
        public var stderrBytes = 0
        public var storedBytes = 0
        public var droppedBytes = 0
        public var truncated = false

        public init() {}
    }

    public init(status: Status, peakMemoryBytes: Int, userCPUSeconds: Double, systemCPUSeconds: Double, wallSeconds: Double) {
        self.status = status
        self.peakMemoryBytes = peakMemoryBytes
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
        self.wallSeconds = wallSeconds
    }

    /// The exit code as a shell reports it: the code, or 128 + the signal.
    public var exitCode: Int {
        switch status {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var succeeded: Bool { status == .exited(0) }

    /// The agent ended by itself, before anyone asked it to stop, as its supervisor saw it.
    public var endedBeforeAnyStop: Bool {
        guard !workerDied, !supervisorFailed, let endedAt else { return false }
        return stopDelivered == false || (stoppedAt.map { endedAt < $0 } ?? true)
    }

    public var summary: String {
        switch status {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "killed by signal \(signal) (\(Self.signalName(signal)))"
        }
    }

    static func signalName(_ signal: Int) -> String {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 6: "SIGABRT"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 13: "SIGPIPE"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}

extension ProcessExit {
    /// Reads the supervisor's status file; `nil` when there is none (the supervisor died before writing it).
    public static func read(statusFile path: String) -> ProcessExit? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
        guard values["version"] == "1" else { return nil }
        let status: Status = int("signal").map { .signaled($0) } ?? .exited(int("exit_code") ?? 1)
        let started = UInt64(values["started_ns"] ?? "") ?? 0
        let ended = UInt64(values["exit_ns"] ?? "") ?? 0
        var exit = ProcessExit(
            status: status,
            peakMemoryBytes: (int("peak_rss_kib") ?? 0) * 1024,
            userCPUSeconds: Double(int("user_usec") ?? 0) / 1e6,
            systemCPUSeconds: Double(int("system_usec") ?? 0) / 1e6,
            wallSeconds: ended > started ? Double(ended - started) / 1e9 : 0
        )
        exit.endedAt = ended > 0 ? MonotonicInstant(nanoseconds: ended) : nil
        let stopped = UInt64(values["stop_ns"] ?? "") ?? 0
        exit.stoppedAt = stopped > 0 ? MonotonicInstant(nanoseconds: stopped) : nil
        if let number = int("spawn_errno"), number != 0 {
            exit.launchFailure = LaunchFailure(errorNumber: Int32(number), stage: values["spawn_stage"] ?? "exec")
        }
        exit.workerDied = int("worker_died") == 1
        exit.stopDelivered = int("stop_delivered").map { $0 == 1 }
        exit.output.stdoutBytes = int("stdout_bytes") ?? 0
        exit.output.stderrBytes = int("stderr_bytes") ?? 0
        exit.output.storedBytes = int("stored_bytes") ?? 0
        exit.output.droppedBytes = int("dropped_bytes") ?? 0
        exit.output.truncated = int("truncated") == 1
        return exit
    }
}
