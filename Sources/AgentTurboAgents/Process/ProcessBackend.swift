import Foundation

/// Which implementation of the platform-specific process pieces the worker uses. `linux` adds, on Linux, the
/// supervisor as a child subreaper that walks its children (so setsid'd tool processes are stopped too),
/// `closefrom` when spawning, and inotify for SQLite wake-ups; `posix` is what macOS runs, and
/// `AGENT_TURBO_PROCESS_BACKEND=posix` forces it on Linux so that the portable path is tested there.
public struct ProcessBackend: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public static let linux = ProcessBackend(name: "linux")
    public static let posix = ProcessBackend(name: "posix")

    /// The platform's best, unless `AGENT_TURBO_PROCESS_BACKEND=posix` asks for the portable one.
    public static var current: ProcessBackend {
        selected(by: ProcessInfo.processInfo.environment)
    }

    public static func selected(by environment: [String: String]) -> ProcessBackend {
        #if os(Linux)
        return environment["AGENT_TURBO_PROCESS_BACKEND"] == "posix" ? .posix : .linux
        #else
        return .posix
        #endif
    }

    public var isPortable: Bool { self == .posix }

    public var description: String { name }
}
