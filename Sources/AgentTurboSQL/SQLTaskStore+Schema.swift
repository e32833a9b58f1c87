import AgentTurboCore
import Foundation

extension SQLTaskStore {
    public var latestSchemaVersion: Int { dialect.migrations.map(\.version).max() ?? 0 }

    public func schemaStatus() async throws -> SchemaStatus {
        let latest = latestSchemaVersion
        let dialect = dialect
        return try await database.read { connection in
            SchemaStatus(current: try await Self.currentVersion(connection, dialect), latest: latest)
        }
    }

    /// The schema's version: the highest one up to which every migration is applied (0 when the version table
    /// does not exist yet), or the highest applied when it is beyond what this program knows. A database with a
    /// gap (a development build applied 5 before 4 existed) is behind, and `migrate` fills the gap.
    static func currentVersion(_ connection: any SQLConnection, _ dialect: any SQLDialect) async throws -> Int {
        let applied = try await appliedVersions(connection, dialect)
        let known = dialect.migrations.map(\.version).sorted()
        if let highest = applied.max(), highest > (known.last ?? 0) {
            return highest
        }
        var current = 0
        for version in known {
            guard applied.contains(version) else { break }
            current = version
        }
        return current
    }

    /// Every version recorded in the version table (none when it does not exist yet).
    static func appliedVersions(_ connection: any SQLConnection, _ dialect: any SQLDialect) async throws -> Set<Int> {
        let exists = try await connection.query(dialect.countTablesNamed, [.text("agent_turbo_schema")])
        guard (try exists.first?.int("n") ?? 0) > 0 else { return [] }
        return Set(try await connection.query("SELECT version FROM agent_turbo_schema").map { try $0.int("version") })
    }

    @discardableResult
    public func migrate() async throws -> [Int] {
        let migrations = dialect.migrations.sorted { $0.version < $1.version }
        let lock = dialect.migrationLock
        let dialect = dialect
        return try await database.write { connection in
            if let lock {
                try await connection.execute(lock)
            }
            try await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS agent_turbo_schema (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
                """
            )
            let current = try await Self.currentVersion(connection, dialect)
            let latest = migrations.last?.version ?? 0
            if current == 0,
                try await connection.query(dialect.countTablesNamed, [.text("agent_tasks")]).first?.int("n") ?? 0 > 0
            {
                throw StoreError(
                    .badLocation,
                    "this database already has an agent_tasks table that agent-turbo did not create (the Python MVP's?): rename it, or use a fresh database, then run `agent-turbo migrate`"
                )
            }
            if current > latest {
                throw StoreError(
                    .schemaAhead,
                    "the database schema is at version \(current) but this agent-turbo knows only \(latest): upgrade agent-turbo"
                )
            }
            var applied: [Int] = []
            // Every migration not yet recorded, in order: usually those above `current`, and any gap below it.
            let recorded = try await Self.appliedVersions(connection, dialect)
            for migration in migrations where !recorded.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.execute(statement)
                }
                try await connection.execute(
                    "INSERT INTO agent_turbo_schema (version, name, applied_at) VALUES ($1, $2, $3)",
                    [.int(migration.version), .text(migration.name), .text(Timestamp.format(Date()))]
                )
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// Throws a clear error unless the schema is exactly the one this program needs.
    public func requireCurrentSchema() async throws {
        let status = try await schemaStatus()
        if status.current < status.latest {
            throw StoreError(
                .schemaBehind,
                status.current == 0
                    ? "the database at \(location) has no agent-turbo schema yet: run `agent-turbo migrate`"
                    : "the database schema is at version \(status.current) but this agent-turbo needs \(status.latest): run `agent-turbo migrate`"
            )
        }
        if status.current > status.latest {
            throw StoreError(
                .schemaAhead,
                "the database schema is at version \(status.current) but this agent-turbo knows only \(status.latest): upgrade agent-turbo"
            )
        }
    }
}
