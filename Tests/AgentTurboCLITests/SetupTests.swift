import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("CLI: migrate, secrets from files, and prompts that are not text")
struct SetupTests {
    @Test("migrate creates a new database's schema, then says it is current", arguments: TestEngine.available)
    func migrateNewDatabase(engine: TestEngine) async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let database = try await TestDatabase.create(engine)
        let url = switch database.location {
        case .sqlite(let path): "sqlite:" + path
        case .postgres(let url): url.connectionString
        }
        var cli = CLIRunner(home: home.path)
        cli.environment["AGENT_TURBO_DATABASE_URL"] = url
        // SQLite creates its schema on first use; PostgreSQL is never changed behind the operator's back.
        let before = engine == .postgres ? try cli.run(["list"]) : nil
        let first = try cli.run(["migrate"])
        let second = try cli.run(["migrate"])
        let submitted = try cli.run(["submit", "after migrate", "--agent", "simulate"])
        await database.destroy()

        if let before {
            #expect(before.status != 0)
            #expect(before.stderr.contains("run `agent-turbo migrate`"))
        }
        #expect(first.status == 0, "\(first.stderr)")
        // Every migration, in order, up to the latest (whichever branches added theirs).
        #expect(first.stdout.hasPrefix("Applied migrations 1, 2, 3"), "\(first.stdout)")
        let latest = first.stdout.components(separatedBy: "schema now at version ").last?.prefix { $0.isNumber } ?? ""
        #expect(!latest.isEmpty)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Schema already at version \(latest) "), "\(second.stdout)")
        #expect(submitted.status == 0, "\(submitted.stderr)")
    }

    @Test("The database URL comes from a file or a systemd credential; two sources at once are refused")
    func databaseURLFromFiles() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let elsewhere = home.file("elsewhere.db")
        let file = home.file("database-url")
        try "sqlite:\(elsewhere)\n".write(toFile: file, atomically: true, encoding: .utf8)

        var fromFile = CLIRunner(home: home.path)
        fromFile.environment["AGENT_TURBO_DATABASE_URL_FILE"] = file
        #expect(try fromFile.run(["submit", "into the file's database", "--agent", "simulate"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: elsewhere))
        #expect(!FileManager.default.fileExists(atPath: home.file("turbo.db")))

        let credentials = home.file("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: credentials + "/database-url")
        var fromCredential = CLIRunner(home: home.path)
        fromCredential.environment["CREDENTIALS_DIRECTORY"] = credentials
        let listed = try fromCredential.run(["list", "--json"])
        #expect(listed.stdout.contains("into the file's database"))

        var both = fromFile
        both.environment["AGENT_TURBO_DATABASE_URL"] = "sqlite:" + home.file("third.db")
        let refused = try both.run(["list"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("both AGENT_TURBO_DATABASE_URL and AGENT_TURBO_DATABASE_URL_FILE are set"))

        try "\n".write(toFile: file, atomically: true, encoding: .utf8)
        let empty = try fromFile.run(["list"])
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("AGENT_TURBO_DATABASE_URL_FILE (\(file)) is empty"))
        var missing = CLIRunner(home: home.path)
        missing.environment["AGENT_TURBO_DATABASE_URL_FILE"] = home.file("no-such-file")
        let unreadable = try missing.run(["list"])
        #expect(unreadable.status != 0)
        #expect(unreadable.stderr.contains("cannot read AGENT_TURBO_DATABASE_URL_FILE"))
        #expect(!FileManager.default.fileExists(atPath: home.file("turbo.db")), "no mistake fell back to the default")
    }

    @Test("A prompt that is not valid UTF-8 is refused, not silently changed")
    func invalidUTF8() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let cli = CLIRunner(home: home.path)
        #expect(try cli.run(["submit", "valid", "--agent", "simulate"]).status == 0)
        // Foundation passes arguments as Swift strings; a shell passes the raw bytes.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #""$0" submit --agent simulate "$(printf 'fix caf\351 now')""#, CLIRunner.executable]
        process.environment = cli.environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(message.contains("is not valid UTF-8"), "\(message)")
        let tasks = try cli.run(["list", "--json"]).stdout
        #expect(!tasks.contains("fix caf"))
    }
}
