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

    /// Why a connection was refused, when it is something no retry mends: a password or user refused, a
    /// database that does not exist, TLS the server does not offer. `nil` for anything that may pass.
    static func misconfiguration(_ error: any Error, sslMode: PostgresURL.SSLMode) -> String? {
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .sslUnsupported:
            return "the server does not offer TLS, which sslmode=\(sslMode.rawValue) requires (use sslmode=prefer or disable, or enable ssl on the server)"
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return "authentication failed: \(describe(error))"
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            // 28: invalid authorization; 3D000: no such database.
            if state.hasPrefix("28") || state == "3D000" {
                return describe(error)
            }
            return nil
        default:
            return nil
        }
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
