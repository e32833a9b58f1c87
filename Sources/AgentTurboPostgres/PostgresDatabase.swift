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
    let listener: NotificationListener
    let logger: Logger

    public init(url: PostgresURL, logger: Logger = Logger(label: "agent-turbo.postgres")) {
        self.url = url
        self.logger = logger
        connector = PrimaryConnector(url: url, logger: logger)
        listener = NotificationListener(connector: connector, logger: logger)
    }

    public var location: String { url.description }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN", body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T: Sendable>(
        begin: String, _ body: @escaping @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        do {
            return try await connector.withConnection { connection in
                let handle = PostgresHandle(connection: connection, logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
                do {
                    let value = try await body(handle)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
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
    }
}

/// A statement PostgreSQL refused (not a connection problem): not worth retrying.
public struct PostgresQueryError: Error, CustomStringConvertible {
    public var message: String
    public var sqlState: String?
    public var description: String { message }
}
