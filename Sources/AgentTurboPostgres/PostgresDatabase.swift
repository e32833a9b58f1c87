import AgentTurboCore
import AgentTurboSQL
import Foundation
import Logging
import PostgresNIO

/// The engine for several hosts: a PostgreSQL server (or a primary with standbys) shared by every worker.
/// Wake-ups come from LISTEN/NOTIFY fired by triggers, so a task inserted by any client wakes workers at once.
public final class PostgresDatabase: SQLDatabase {
    public let url: PostgresURL
    public let dialect: any SQLDialect = PostgresDialect()
    let connector: PrimaryConnector
    /// Lease renewals and heartbeats get connections of their own, so they never wait for a pool slot behind
    /// output flushes.
    let urgentConnector: PrimaryConnector
    let listener: NotificationListener
    let logger: Logger

    public init(url: PostgresURL, logger: Logger = Logger(label: "agent-turbo.postgres")) {
        self.url = url
        self.logger = logger
        connector = PrimaryConnector(url: url, logger: logger)
        urgentConnector = PrimaryConnector(url: url, logger: logger, maximumConnections: 2)
        listener = NotificationListener(connector: connector, logger: logger)
    }

    public var location: String { url.description }

    public func write<T: Sendable>(
        _ options: TransactionOptions, _ body: @escaping @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T {
        try await transaction(begin: "BEGIN", options, body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", .standard, body)
    }

    /// BEGIN, `body`, COMMIT (ROLLBACK when it throws), run to its end whatever the caller does (see
    /// ``PrimaryConnector/withConnection(leaseTimeout:operationDeadline:cancellable:_:)``). A connection whose
    /// COMMIT or ROLLBACK failed may still be inside the transaction: it is closed, never handed out again.
    private func transaction<T: Sendable>(
        begin: String, _ options: TransactionOptions, _ body: @escaping @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        let lane = options.urgent ? urgentConnector : connector
        do {
            return try await lane.withConnection(
                leaseTimeout: min(PrimaryConnector.leaseTimeout, options.deadline ?? PrimaryConnector.leaseTimeout),
                operationDeadline: options.deadline ?? PrimaryConnector.operationTimeout
            ) { connection in
                let handle = PostgresHandle(connection: connection, logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
                let value: T
                do {
                    value = try await body(handle)
                } catch {
                    do {
                        try await connection.query("ROLLBACK", logger: logger)
                    } catch {
                        try? await connection.close()
                    }
                    throw error
                }
                do {
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    try? await connection.close()
                    throw error
                }
                return value
            }
        } catch let error as StoreError {
            throw error
        } catch let error as InputError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw PostgresQueryError(
                message: "PostgreSQL refused a statement: \(PostgresErrors.describe(error))",
                sqlState: PostgresErrors.sqlState(error)
            )
        }
    }

    /// Triggers NOTIFY on every change workers care about; nothing to add here.
    public func publish(_ events: [StoreEvent]) {}

    public func events() -> AsyncStream<StoreEvent> {
        listener.subscribe()
    }

    public func close() async throws {
        await listener.stop()
        await connector.close()
        await urgentConnector.close()
    }
}

/// A statement PostgreSQL refused (not a connection problem): not worth retrying.
public struct PostgresQueryError: Error, CustomStringConvertible {
    public var message: String
    public var sqlState: String?
    public var description: String { message }
}
