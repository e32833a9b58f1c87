import AgentTurboCore
import AgentTurboPostgres
import AgentTurboSQL
import AgentTurboSQLite
import ArgumentParser
import Foundation
import Logging

/// Options every command takes (SPEC §4).
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Database: sqlite:/path/file.db or postgres://user:pass@host:5432/db (default: $AGENT_TURBO_DATABASE_URL, the file in $AGENT_TURBO_DATABASE_URL_FILE or the systemd credential database-url, then $AGENT_TURBO_HOME/turbo.db).",
        valueName: "url"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Configuration file (agent profiles, worker defaults).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Log format: text or json.", valueName: "format"))
    var logFormat: LogFormat = .text

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical (default: info; warning for run and demo).", valueName: "level"))
    var logLevel: LogLevelOption?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The store location from the flag, the environment (or a file or credential it names, see
    /// ``SecretSource``) or the default.
    func location() throws -> DatabaseLocation {
        let cwd = FileManager.default.currentDirectoryPath
        if let database {
            return try DatabaseLocation.parse(database, currentDirectory: cwd)
        }
        if let url = try SecretSource.databaseURL.value(in: environment) {
            return try DatabaseLocation.parse(url, currentDirectory: cwd)
        }
        return DatabaseLocation.defaultLocation(environment: environment)
    }

    /// Opens the store, runs `body`, and closes the store whatever happens. SQLite files are created and
    /// migrated on first use; a PostgreSQL schema that is behind is reported, not changed. `checkSchema: false`
    /// is for `migrate` itself. `waitForDatabase` (long-running services) keeps trying while the database
    /// is unavailable (a restart, a failover) instead of failing at once.
    func withStore<T>(
        checkSchema: Bool = true, waitForDatabase: Bool = false, _ body: (any TaskStore) async throws -> T
    ) async throws -> T {
        LoggingSetup.bootstrap(format: logFormat, level: logLevel?.level ?? .info)
        let location = try location()
        var delay: Duration = .milliseconds(250)
        var store: SQLTaskStore
        while true {
            do {
                store = try await StoreOpener.open(location, checkSchema: checkSchema)
                break
            } catch let error as StoreError where waitForDatabase && error.code == .unavailable {
                Logger(label: "agent-turbo").warning("waiting for the database", metadata: ["error": "\(error.message)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        do {
            let value = try await body(store)
            try await store.close()
            return value
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// Opens the store behind a location.
enum StoreOpener {
    static func open(_ location: DatabaseLocation, checkSchema: Bool) async throws -> SQLTaskStore {
        switch location {
        case .sqlite(let path) where !checkSchema:
            // `migrate` itself: open the file (creating it) and leave the schema to it.
            return SQLTaskStore(database: try await SQLiteDatabase.open(path: path))
        case .sqlite(let path):
            return try await SQLiteTaskStore.open(path: path)
        case .postgres(let url):
            return try await PostgresTaskStore.open(url: url, migrate: false, checkSchema: checkSchema)
        }
    }
}
