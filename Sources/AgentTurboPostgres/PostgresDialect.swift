import AgentTurboCore
import AgentTurboSQL
import PostgresNIO

/// PostgreSQL's side of the shared SQL: `timestamptz`, `jsonb`, and row locks that concurrent claimers skip.
struct PostgresDialect: SQLDialect {
    var now: String { "now()" }

    func now(plusSeconds param: String) -> String {
        "(now() + make_interval(secs => \(param)::double precision))"
    }

    func later(_ first: String, _ second: String) -> String { "GREATEST(\(first)::timestamptz, \(second))" }

    func secondsSince(_ column: String) -> String {
        "EXTRACT(EPOCH FROM (clock_timestamp() - \(column)))::double precision"
    }

    func json(_ param: String) -> String { "\(param)::jsonb" }
    func jsonText(_ column: String) -> String { "\(column)::text" }
    func byteLength(_ column: String) -> String { "octet_length(\(column))" }

    var skipLocked: String { " FOR UPDATE SKIP LOCKED" }
    var forUpdate: String { " FOR UPDATE" }
    /// Tells the `created` audit trigger that agent-turbo writes that row itself.
    var auditedInsertMarker: String? { "SELECT set_config('agent_turbo.audited', 'on', true)" }
    var insertionOrder: String { "seq" }
    var claimIndexHint: String { "" }
    /// Two processes migrating at once: the second waits, then finds nothing to do.
    var migrationLock: String? { "SELECT pg_advisory_xact_lock(7417226551)" }
    var countTablesNamed: String {
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
    }
    var migrations: [Migration] { PostgresSchema.migrations }

    func isUniqueViolation(_ error: any Error) -> Bool {
        PostgresErrors.sqlState(error) == "23505"
    }
}
