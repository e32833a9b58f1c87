import AgentTurboCore
import AgentTurboPostgres
import Foundation
import Logging
import PostgresNIO

/// PostgreSQL databases for tests: a fresh database per test on the server the test script started
/// (`AGENT_TURBO_TEST_POSTGRES_URL`), dropped afterwards.
public enum PostgresTestDatabase {
    static func serverURL() throws -> PostgresURL {
        guard let text = TestEnvironment.postgresURL else {
            throw StoreError(.badLocation, "AGENT_TURBO_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
        }
        return try PostgresURL.parse(text)
    }

    static func create() async throws -> TestDatabase {
        let server = try serverURL()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await administer(server, "CREATE DATABASE \(name)")
        var url = server
        url.database = name
        return TestDatabase(engine: .postgres, location: .postgres(url), directory: nil) {
            try? await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    static func open(_ location: DatabaseLocation) async throws -> any TaskStore {
        guard case .postgres(let url) = location else {
            throw StoreError(.badLocation, "not a PostgreSQL location: \(location)")
        }
        return try await PostgresTaskStore.open(url: url, migrate: true, logger: quietLogger)
    }

    static let quietLogger = Logger(label: "test.postgres") { _ in SwiftLogNoOpLogHandler() }

    /// Runs one statement on the server's maintenance connection.
    static func administer(_ server: PostgresURL, _ sql: String) async throws {
        let host = server.hosts[0]
        let configuration = PostgresConnection.Configuration(
            host: host.name, port: host.port, username: server.username, password: server.password,
            database: server.database, tls: .disable
        )
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: 1, logger: quietLogger
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

extension PostgresTestDatabase {
    /// Runs SQL on a test database as a plain client would (the seed's statements, verbatim).
    public static func execute(_ url: PostgresURL, _ sql: String) async throws {
        _ = try await rows(url, sql)
    }

    /// Runs a query and returns its rows as text, column by name.
    public static func rows(_ url: PostgresURL, _ sql: String) async throws -> [[String: String]] {
        let host = url.hosts[0]
        let configuration = PostgresConnection.Configuration(
            host: host.name, port: host.port, username: url.username, password: url.password,
            database: url.database, tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: quietLogger)
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger).collect()
        return rows.map { row in
            var values: [String: String] = [:]
            for cell in row {
                values[cell.columnName] = cell.bytes == nil ? nil : Self.text(cell)
            }
            return values
        }
    }

    private static func text(_ cell: PostgresCell) -> String? {
        switch cell.dataType {
        case .float4, .float8: (try? cell.decode(Double.self)).map { String($0) }
        case .int2, .int4, .int8: (try? cell.decode(Int.self)).map { String($0) }
        case .bool: (try? cell.decode(Bool.self)).map { String($0) }
        default: try? cell.decode(String.self)
        }
    }
}

extension TestDatabase {
    /// Opens a store on a PostgreSQL URL, migrating it.
    public static func openPostgres(_ url: PostgresURL) async throws -> any TaskStore {
        try await PostgresTestDatabase.open(.postgres(url))
    }
}

extension PostgresURL {
    /// The URL as text, password included (for handing to a child process).
    public var connectionString: String {
        let hostList = hosts.map { "\($0.name):\($0.port)" }.joined(separator: ",")
        return "postgres://\(username)\(password.map { ":\($0)" } ?? "")@\(hostList)/\(database)"
    }
}
