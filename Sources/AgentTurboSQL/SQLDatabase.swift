import AgentTurboCore
import Foundation

/// A connection inside a transaction. Statements are written with PostgreSQL's `$1` placeholders; the
/// SQLite engine rewrites them to `?1`.
public protocol SQLConnection: Sendable {
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

extension SQLConnection {
    public func query(_ sql: String) async throws -> [SQLRow] {
        try await query(sql, [])
    }

    /// Runs a statement whose rows are not needed.
    public func execute(_ sql: String, _ binds: [SQLValue] = []) async throws {
        _ = try await query(sql, binds)
    }
}

/// An engine: transactions on its connections, its SQL dialect, and how it tells workers about changes.
public protocol SQLDatabase: Sendable {
    var dialect: any SQLDialect { get }
    /// Where the data lives, password hidden.
    var location: String { get }
    /// Runs `body` in a transaction that will write (SQLite: `BEGIN IMMEDIATE`, so writers queue at the start
    /// instead of failing at their first write). Commits when `body` returns, rolls back when it throws.
    ///
    /// Once begun, the transaction runs to its COMMIT or ROLLBACK whatever the caller does: a cancelled caller
    /// waits for it. A connection goes back to its pool only outside a transaction; one that cannot be brought
    /// back out of it is closed.
    func write<T: Sendable>(
        _ options: TransactionOptions, _ body: @escaping @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T
    /// Runs `body` in a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// Called after a commit that other workers should hear about. PostgreSQL's triggers already NOTIFY,
    /// so only the embedded engine does something here.
    func publish(_ events: [StoreEvent])
    /// Hints about changes made by anyone.
    func events() -> AsyncStream<StoreEvent>
    func close() async throws
}

extension SQLDatabase {
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await write(.standard, body)
    }
}

/// How a write transaction is run.
public struct TransactionOptions: Sendable, Hashable {
    /// Lease renewals and heartbeats: ahead of this process's other writes (and, on PostgreSQL, on
    /// connections of their own), so that a slow output flush never costs a lease.
    public var urgent = false
    /// How long to wait for the database (its locks, a connection) before giving up as `unavailable`.
    public var deadline: Duration?

    public static let standard = TransactionOptions()

    public static func urgent(deadline: Duration) -> TransactionOptions {
        TransactionOptions(urgent: true, deadline: deadline)
    }
}

/// What differs in the SQL of the two engines.
public protocol SQLDialect: Sendable {
    /// The current time, fixed within a statement.
    var now: String { get }
    /// `now` plus a number of seconds given as the parameter `param` (such as `$3`).
    func now(plusSeconds param: String) -> String
    /// The later of two timestamp expressions.
    func later(_ first: String, _ second: String) -> String
    /// Seconds elapsed from the timestamp expression `column` until now.
    func secondsSince(_ column: String) -> String
    /// A parameter holding JSON text, cast for a `jsonb` column where needed.
    func json(_ param: String) -> String
    /// A JSON column read back as text.
    func jsonText(_ column: String) -> String
    /// Byte length of a binary column.
    func byteLength(_ column: String) -> String
    /// Appended to a SELECT that picks rows to change, so concurrent claimers skip each other's rows.
    var skipLocked: String { get }
    /// Appended to a SELECT that reads a row it will then change.
    var forUpdate: String { get }
    /// A query with one parameter, a table name, returning one row whose column `n` counts tables of that name.
    var countTablesNamed: String { get }
    /// A statement run before agent-turbo inserts tasks, telling a database trigger that agent-turbo writes the
    /// `created` audit rows itself (PostgreSQL audits rows inserted by raw SQL with a trigger).
    var auditedInsertMarker: String? { get }
    /// The column that orders tasks of equal priority oldest first (insertion order).
    var insertionOrder: String { get }
    /// Follows `FROM agent_tasks` in the claim's SELECT: SQLite, without statistics, prefers the status index
    /// and sorts every pending row (45 times slower at 100,000 pending); this names the claim index instead.
    /// Not used when claiming for one batch (`run`), where the batch index is the better start.
    var claimIndexHint: String { get }
    /// `column` written so that the planner does not start from an index on it (SQLite's unary `+`): SQLite,
    /// which has no statistics, would otherwise read a filtered list from whichever index matches a condition and
    /// sort. PostgreSQL's planner has statistics and needs the column as it is (see the default).
    func withoutIndex(_ column: String) -> String
    /// The migrations of this engine, in order.
    var migrations: [Migration] { get }
    /// A statement run first in the migration transaction so that two processes never migrate at once.
    var migrationLock: String? { get }
    /// Does this error mean a unique key was violated?
    func isUniqueViolation(_ error: any Error) -> Bool
}

/// One versioned schema change.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
