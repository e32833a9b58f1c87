import AgentTurboCore
import AgentTurboSQL
import SQLiteNIO

/// SQLite's side of the shared SQL: timestamps as ISO-8601 text in UTC with milliseconds (text order is time
/// order), booleans as 0/1, JSON as text, and no row locks (its one writer transaction serializes claimers).
struct SQLiteDialect: SQLDialect {
    static let timestampFormat = "'%Y-%m-%dT%H:%M:%fZ'"

    var now: String { "strftime(\(Self.timestampFormat), 'now')" }

    func now(plusSeconds param: String) -> String {
        "strftime(\(Self.timestampFormat), 'now', printf('%+.3f seconds', \(param)))"
    }

    /// Timestamps are text in one format, so the larger text is the later time.
    func later(_ first: String, _ second: String) -> String { "MAX(\(first), \(second))" }

    func secondsSince(_ column: String) -> String {
        "((julianday('now') - julianday(\(column))) * 86400.0)"
    }

    func json(_ param: String) -> String { param }
    func jsonText(_ column: String) -> String { column }
    func byteLength(_ column: String) -> String { "length(\(column))" }

    var skipLocked: String { "" }
    var forUpdate: String { "" }
    var auditedInsertMarker: String? { nil }
    /// SQLite's implicit `rowid` grows with each insert; every index ends with it, so the claim index
    /// `(task_priority DESC) WHERE status = 'pending'` is already in claim order.
    var insertionOrder: String { "rowid" }
    var claimIndexHint: String { " INDEXED BY agent_tasks_claim" }
    func withoutIndex(_ column: String) -> String { "+\(column)" }
    var migrationLock: String? { nil }
    var countTablesNamed: String { "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1" }
    var migrations: [Migration] { SQLiteSchema.migrations }

    func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        switch error.reason {
        case .constraintPrimaryKeyFailed, .constraintUniqueFailed: return true
        case .constraint: return error.message.contains("UNIQUE")
        default: return false
        }
    }
}
