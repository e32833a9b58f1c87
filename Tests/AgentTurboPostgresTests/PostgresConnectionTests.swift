import AgentTurboCore
import AgentTurboPostgres
import AgentTurboTestSupport
import Foundation
import Testing

/// How the store connects (issue: exactly once under pressure, point 6).
@Suite("PostgreSQL: connecting", .enabled(if: TestEnvironment.postgresURL != nil))
struct PostgresConnectionTests {
    @Test("Forty callers at once on a store that has not connected yet share one pool")
    func oneConnectionAttempt() async throws {
        let database = try await TestDatabase.create(.postgres)
        defer { Task { await database.destroy() } }
        guard case .postgres(let url) = database.location else { return }
        _ = try await database.openStore()
        let store: any TaskStore = try await PostgresTaskStore.open(url: url, checkSchema: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask { _ = try await store.task("nobody-\(index)") }
            }
            try await group.waitForAll()
        }
        let rows = try await PostgresTestDatabase.rows(
            url, "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        let connections = Int(rows.first?["n"] ?? "") ?? 0
        // One pool of at most 20 (and the schema check's): forty pools would hold about forty.
        #expect(connections <= 21, "\(connections) connections for one store")
        try await store.close()
    }

    @Test("sslmode must be one libpq knows; require against a server without TLS says so at once")
    func sslMode() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let server = try #require(TestEnvironment.postgresURL)
        let cli = CLIRunner(home: home.path)
        let bogus = try cli.run(["list", "--database", server + "?sslmode=bogus"])
        #expect(bogus.status != 0)
        #expect(bogus.stderr.contains("sslmode=bogus"), "\(bogus.stderr)")
        #expect(bogus.stderr.contains("verify-full"))
        let required = try cli.run(["list", "--database", server + "?sslmode=require"])
        #expect(required.status != 0)
        #expect(required.stderr.contains("does not offer TLS"), "\(required.stderr)")
        let wrongPassword = try cli.run(["list", "--database", server.replacingOccurrences(of: ":agent_turbo@", with: ":wrong@")])
        #expect(wrongPassword.status != 0)
        #expect(wrongPassword.stderr.contains("refused the connection"), "\(wrongPassword.stderr)")
    }
}
