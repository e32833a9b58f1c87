import Foundation

/// A PostgreSQL server of a test's own (started with `scripts/postgres-throwaway.sh`), for tests that stop,
/// crash, restart or fail over the server and so cannot share the suite's one.
public final class ThrowawayPostgres: Sendable {
    public let directory: String
    public let url: String
    public let port: Int

    /// The repository's helper script.
    public static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres-throwaway.sh").path
    }

    /// Can this machine start servers of its own? (The test script installs PostgreSQL where it is missing.)
    public static var isAvailable: Bool {
        TestEnvironment.postgresURL != nil && FileManager.default.isExecutableFile(atPath: script)
    }

    private init(directory: String, url: String, port: Int) {
        self.directory = directory
        self.url = url
        self.port = port
    }

    public static func start() throws -> ThrowawayPostgres {
        let directory = "/tmp/at-pg-" + UUID().uuidString.prefix(8).lowercased()
        let exports = try run(["start", directory])
        guard let url = exports["AGENT_TURBO_TEST_POSTGRES_URL"], let port = exports["AGENT_TURBO_TEST_PG_PORT"].flatMap(Int.init) else {
            throw TestTimeout("postgres-throwaway.sh start printed no URL")
        }
        return ThrowawayPostgres(directory: directory, url: url, port: port)
    }

    /// Starts a streaming standby of this server; returns it (its URL names only the standby).
    public func startStandby() throws -> ThrowawayPostgres {
        let directory = "/tmp/at-pg-" + UUID().uuidString.prefix(8).lowercased()
        let exports = try Self.run(["standby", self.directory, directory])
        guard let url = exports["AGENT_TURBO_TEST_STANDBY_URL"], let port = exports["AGENT_TURBO_TEST_STANDBY_PORT"].flatMap(Int.init) else {
            throw TestTimeout("postgres-throwaway.sh standby printed no URL")
        }
        return ThrowawayPostgres(directory: directory, url: url, port: port)
    }

    /// `kill` (an immediate stop, like a crash), `startagain`, `stop`, `promote`, `restart`.
    public func control(_ command: String) throws {
        _ = try Self.run([command, directory])
    }

    /// Runs SQL through psql as the superuser; returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "agent_turbo_test") throws -> String {
        try Self.runText(["psql", directory, "-d", database, "-At", "-c", sql])
    }

    public func destroy() {
        _ = try? Self.run(["destroy", directory])
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> [String: String] {
        var exports: [String: String] = [:]
        for line in try runText(arguments).split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 {
                exports[String(pair[0])] = String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            }
        }
        return exports
    }

    /// Output goes to files, not pipes: the server the script starts keeps inherited descriptors open, and a
    /// pipe would never reach its end. The script is started and waited for with posix_spawn and waitpid:
    /// Foundation's `Process` was seen to miss the exit of a child whose own child daemonizes.
    static func runText(_ arguments: [String]) throws -> String {
        let directory = try TemporaryDirectory(prefix: "pg-script")
        defer { directory.remove() }
        let quoted = ([script] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = quoted.joined(separator: " ") + " > '\(directory.file("out"))' 2> '\(directory.file("err"))' < /dev/null"
        let status = try ChildProcess.run(["/bin/bash", "-c", command])
        let data = FileManager.default.contents(atPath: directory.file("out")) ?? Data()
        let errorText = String(decoding: FileManager.default.contents(atPath: directory.file("err")) ?? Data(), as: UTF8.self)
        guard status == 0 else {
            throw TestTimeout("postgres-throwaway.sh \(arguments.joined(separator: " ")) failed: \(errorText)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
