import AgentTurboCore
import Foundation

/// The task store written once in SQL for both engines. The engine supplies transactions, its dialect
/// and its wake-ups; everything about task states, leases and the audit trail lives here, so SQLite and
/// PostgreSQL behave the same and pass the same conformance suite.
public final class SQLTaskStore: TaskStore {
    public let database: any SQLDatabase
    let dialect: any SQLDialect

    public init(database: any SQLDatabase) {
        self.database = database
        self.dialect = database.dialect
    }

    public var location: String { database.location }

    public func events() -> AsyncStream<StoreEvent> {
        database.events()
    }

    public func close() async throws {
        try await database.close()
    }

    /// Placeholders `$first, $first+1, ...` for `count` values.
    func placeholders(from first: Int, count: Int) -> String {
        (first..<(first + count)).map { "$\($0)" }.joined(separator: ", ")
    }

    /// Inserts audit rows; called inside the transaction of the change they record.
    func recordActions(
        _ actions: [(taskID: String, action: TaskActionKind, workerID: String?, details: String)],
        on connection: any SQLConnection
    ) async throws {
        for batch in actions.chunked(into: 500) {
            var binds: [SQLValue] = []
            var rows: [String] = []
            for action in batch {
                let base = binds.count
                rows.append("($\(base + 1), $\(base + 2), $\(base + 3), \(dialect.json("$\(base + 4)")), \(dialect.now))")
                binds += [.text(action.taskID), .text(action.action.rawValue), SQLValue(action.workerID), .json(action.details)]
            }
            try await connection.execute(
                "INSERT INTO agent_actions (task_id, action, worker_id, details, created_at) VALUES \(rows.joined(separator: ", "))",
                binds
            )
        }
    }

    func recordAction(
        _ taskID: String, _ action: TaskActionKind, workerID: String?, details: Details,
        on connection: any SQLConnection
    ) async throws {
        try await recordActions([(taskID, action, workerID, details.json)], on: connection)
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
