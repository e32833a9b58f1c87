import AgentTurboCore
import PostgresNIO

/// Reading postgres-nio's errors: which SQLSTATE, and whether the connection (not the query) failed.
enum PostgresErrors {
    static func sqlState(_ error: any Error) -> String? {
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState]
        }
        if let error = error as? PostgresTransactionError {
            for inner in [error.closureError, error.commitError, error.beginError] {
                if let inner, let state = sqlState(inner) {
                    return state
                }
            }
        }
        return nil
    }

    /// True when the database went away or cannot take writes here: a restart, a dropped connection, a host
    /// that is (now) a standby. Such operations may succeed on another connection or host.
    static func isUnavailable(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            switch error.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                // 08: connection exception; 57P01-3: shutdown, crash, starting up; 25006: read-only (a standby).
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "25006"].contains(state)
            default:
                return false
            }
        }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(isUnavailable) ?? false }
        }
        // The pool's own errors (a tripped circuit breaker while the server is down) are not public types.
        let name = String(reflecting: type(of: error))
        return name.contains("ConnectionPoolError")
    }

    /// A sentence for the user: the server's message when there is one.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }
}
