import AgentTurboCore
import AgentTurboPostgres
import AgentTurboSQL
import AgentTurboSQLite
import Foundation
import Logging
import PostgresNIO

/// Where a scenario keeps its tasks: a fresh SQLite file, or a fresh database on the benchmark's PostgreSQL.
enum BenchEngine: String, CaseIterable {
    case sqlite
    case postgres

    static var postgresServer: PostgresURL? {
        ProcessInfo.processInfo.environment["AGENT_TURBO_BENCH_POSTGRES_URL"].flatMap { try? PostgresURL.parse($0) }
    }

    static var available: [BenchEngine] { postgresServer == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A fresh, migrated database: its URL for child processes and a store for this process.
    func fresh(_ scratch: Scratch) async throws -> (url: String, store: any TaskStore) {
        switch self {
        case .sqlite:
            return ("sqlite:" + scratch.database, try await SQLiteTaskStore.open(path: scratch.database))
        case .postgres:
            var url = Self.postgresServer!
            let name = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try await Self.administer(url, "CREATE DATABASE \(name)")
            url.database = name
            let text = "postgres://\(url.username):\(url.password ?? "")@\(url.hosts[0].name):\(url.hosts[0].port)/\(name)"
            return (text, try await PostgresTaskStore.open(url: url, migrate: true, logger: Self.quiet))
        }
    }

    static let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    static func administer(_ url: PostgresURL, _ sql: String) async throws {
        let host = url.hosts[0]
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: host.name, port: host.port, username: url.username, password: url.password,
                                 database: url.database, tls: .disable),
            id: 1, logger: quiet
        )
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quiet)
        try await connection.close()
    }

    /// Runs SQL on the database behind `text` (a PostgreSQL URL).
    static func execute(_ text: String, _ sql: String) async throws {
        try await administer(try PostgresURL.parse(text), sql)
    }
}

extension TaskStore {
    /// Waits until `count` tasks are completed (or failed: then the caller reports it).
    func waitForCompleted(_ count: Int, every interval: Duration = .milliseconds(50)) async throws {
        while true {
            let counts = try await statusCounts(batchID: nil)
            if (counts[.completed] ?? 0) + (counts[.failed] ?? 0) >= count {
                return
            }
            try await Task.sleep(for: interval)
        }
    }
}
