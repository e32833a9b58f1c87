import Foundation

/// Runs the real `agent-turbo` executable, as a user would, and collects what it printed.
public struct CLIRunner: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutData: Data

        /// Non-empty stdout lines.
        public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    public var environment: [String: String]
    public var currentDirectory: String?

    /// A runner whose database is `home/turbo.db`, isolated from the user's own.
    public init(home: String, extraEnvironment: [String: String] = [:]) {
        var environment = ProcessInfo.processInfo.environment
        environment["AGENT_TURBO_HOME"] = home
        environment.removeValue(forKey: "AGENT_TURBO_DATABASE_URL")
        environment.merge(extraEnvironment) { $1 }
        self.environment = environment
    }

    /// The executable next to the test bundle (`.build/debug/agent-turbo`), or `AGENT_TURBO_BINARY`.
    public static var executable: String {
        if let path = ProcessInfo.processInfo.environment["AGENT_TURBO_BINARY"], !path.isEmpty {
            return path
        }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the test runner is `.build/debug/<package>PackageTests.xctest`; elsewhere it sits in a bundle.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("agent-turbo").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("agent-turbo").path
    }

    /// Runs `agent-turbo arguments...` to the end.
    @discardableResult
    public func run(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.environment = environment
        if let currentDirectory {
            process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory)
        }
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        // Write stdin and drain both pipes concurrently so that no side blocks on a full pipe.
        let writer = Thread {
            if let stdin {
                input.fileHandleForWriting.write(stdin)
            }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = LockedData()
        let errorReader = Thread {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
        }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet {
            Thread.sleep(forTimeInterval: 0.005)
        }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self), stdoutData: outputData
        )
    }
}

/// A value handed from a reader thread to the test.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) {
        lock.withLock { data = value }
    }

    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
