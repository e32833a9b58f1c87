import Foundation

/// `agent-turbo` next to this benchmark binary, run as users run it.
enum AgentTurboBinary {
    static var path: String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("agent-turbo").path
    }

    /// Starts `agent-turbo arguments...` with the given environment, output discarded.
    static func start(_ arguments: [String], environment: [String: String], stdin: Data? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(stdin)
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        return process
    }

    /// Runs to the end; returns the exit status.
    static func run(_ arguments: [String], environment: [String: String], stdin: Data? = nil) async throws -> Int32 {
        let process = try start(arguments, environment: environment, stdin: stdin)
        while process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    static func stop(_ process: Process) async {
        process.terminate()
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A fresh folder for one scenario.
struct Scratch {
    let path: String

    init(_ name: String) throws {
        path = FileManager.default.temporaryDirectory.path + "/agent-turbo-bench-\(name)-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var database: String { path + "/turbo.db" }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
