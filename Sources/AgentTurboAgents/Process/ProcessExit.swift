import Foundation

/// How an agent's process ended, and what the kernel counted for it and the children it waited for.
public struct ProcessExit: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        case exited(Int)
        case signaled(Int)
    }

    public var status: Status
    /// Largest resident set of the agent or any child it waited for, in bytes (`ru_maxrss`).
    public var peakMemoryBytes: Int
    public var userCPUSeconds: Double
    public var systemCPUSeconds: Double
    public var wallSeconds: Double

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
