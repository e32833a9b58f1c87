import AgentTurboAgents
import AgentTurboCore
import AgentTurboSQLite
import AgentTurboTestSupport
import Foundation
import Testing

/// A fresh agent-turbo home for one test: the CLI pointed at it, and a store on the same SQLite file for
/// reading what the worker processes did.
struct WorkerHome {
    let directory: TemporaryDirectory
    let cli: CLIRunner

    init(environment: [String: String] = [:]) throws {
        directory = try TemporaryDirectory(prefix: "agent-turbo-worker")
        var cli = CLIRunner(home: directory.path, extraEnvironment: environment)
        cli.currentDirectory = directory.path
        self.cli = cli
    }

    var path: String { directory.path }

    func store() async throws -> any TaskStore {
        try await SQLiteTaskStore.open(path: directory.file("turbo.db"))
    }

    /// Submits one task through the CLI and returns its id.
    @discardableResult
    func submit(_ prompt: String, _ options: [String] = []) throws -> String {
        let result = try cli.run(["submit", prompt, "--agent", "simulate"] + options)
        guard result.status == 0, let id = result.lines.first else {
            throw TestTimeout("submit failed: \(result.stderr)")
        }
        return id
    }

    func startWorker(_ options: [String] = []) throws -> WorkerProcess {
        try WorkerProcess(cli, ["worker", "--poll-interval", "0.2s"] + options)
    }

    func remove() {
        directory.remove()
    }
}

/// The grandchild pid a `grandchild` simulated agent reported on stderr.
func grandchildPID(in output: String) -> Int32? {
    guard let range = output.range(of: "grandchild pid ") else { return nil }
    return Int32(output[range.upperBound...].prefix { $0.isNumber })
}

/// A `daemon` child, in a session of its own, is gone on Linux (the supervisor is its subreaper). On the
/// portable backend (macOS) it escapes, as docs/architecture.md says: that is checked too, then it is killed.
func expectDaemonHandled(_ daemon: Int32, of id: String) {
    if ProcessBackend.current == .linux {
        #expect(!ProcessTable.isAlive(daemon), "the daemon \(daemon) of \(id), in a session of its own, survived")
    } else {
        #expect(ProcessTable.isAlive(daemon), "on the portable backend a setsid'd daemon escapes; has the backend changed?")
        kill(daemon, SIGKILL)
    }
}

/// The pid of the child a `daemon` simulated agent started in a session of its own.
func daemonPID(in output: String) -> Int32? {
    daemonPIDs(in: output).first
}

/// Every such pid, one per attempt that started one.
func daemonPIDs(in output: String) -> [Int32] {
    output.components(separatedBy: "daemon pid ").dropFirst().compactMap { Int32($0.prefix { $0.isNumber }) }
}

