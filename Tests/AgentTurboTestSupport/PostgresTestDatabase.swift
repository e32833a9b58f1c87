import AgentTurboCore
import Foundation

/// PostgreSQL databases for tests: one fresh database per test on the server the test script started.
enum PostgresTestDatabase {
    static func create() async throws -> TestDatabase {
        throw StoreError(.badLocation, "the PostgreSQL store is not built yet")
    }

    static func open(_ location: DatabaseLocation) async throws -> any TaskStore {
        throw StoreError(.badLocation, "the PostgreSQL store is not built yet")
    }
}
