import AgentTurboCore
import AgentTurboSQL
import AgentTurboSQLite
import Foundation
import Testing

/// A database engine the store suites run against. SQLite always; PostgreSQL when the test script started a
/// server and exported `AGENT_TURBO_TEST_POSTGRES_URL`.
public enum TestEngine: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    /// The engines available in this run.
    public static var available: [TestEngine] {
        TestEnvironment.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

/// What the test script tells the suite through the environment.
public enum TestEnvironment {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["AGENT_TURBO_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Under `CI=true` a missing server or CLI is a failure, never a skip.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
    }
}

/// A store on a fresh, empty database of one engine, and the means to open more stores on the same database
/// (separate connections, as separate processes would have).
public final class TestDatabase: Sendable {
    public let engine: TestEngine
    public let location: DatabaseLocation
    private let directory: TemporaryDirectory?
    private let cleanup: @Sendable () async -> Void

    init(engine: TestEngine, location: DatabaseLocation, directory: TemporaryDirectory?, cleanup: @escaping @Sendable () async -> Void) {
        self.engine = engine
        self.location = location
        self.directory = directory
        self.cleanup = cleanup
    }

    public static func create(_ engine: TestEngine) async throws -> TestDatabase {
        switch engine {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "agent-turbo-store")
            return TestDatabase(engine: engine, location: .sqlite(path: directory.file("turbo.db")), directory: directory) {
                directory.remove()
            }
        case .postgres:
            return try await PostgresTestDatabase.create()
        }
    }

    /// Opens a new store (new connections) on this database, schema migrated.
    public func openStore() async throws -> any TaskStore {
        switch location {
        case .sqlite(let path):
            return try await SQLiteTaskStore.open(path: path)
        case .postgres:
            return try await PostgresTestDatabase.open(location)
        }
    }

    public func destroy() async {
        await cleanup()
    }
}

/// Runs `body` with a store on a fresh database of `engine`, closing and removing everything afterwards.
public func withTestStore<T>(
    _ engine: TestEngine, _ body: (any TaskStore, TestDatabase) async throws -> T
) async throws -> T {
    let database = try await TestDatabase.create(engine)
    let store: any TaskStore
    do {
        store = try await database.openStore()
    } catch {
        await database.destroy()
        throw error
    }
    do {
        let value = try await body(store, database)
        try? await store.close()
        await database.destroy()
        return value
    } catch {
        try? await store.close()
        await database.destroy()
        throw error
    }
}
