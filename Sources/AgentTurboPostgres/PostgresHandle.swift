import AgentTurboCore
import AgentTurboSQL
import Foundation
import PostgresNIO

/// A connection inside one of ``PostgresDatabase``'s transactions.
struct PostgresHandle: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .int(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .text(let value), .json(let value): bindings.append(value)
            case .bytes(let data): bindings.append(ByteBuffer(bytes: data))
            case .bool(let value): bindings.append(value)
            case .date(let date): bindings.append(date)
            }
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
        guard let first = rows.first else { return [] }
        var columns: [String: Int] = [:]
        for (index, cell) in first.enumerated() where columns[cell.columnName] == nil {
            columns[cell.columnName] = index
        }
        return try rows.map { row in
            SQLRow(columns: columns, values: try row.map(Self.value))
        }
    }

    /// A cell as a ``SQLValue``, by its PostgreSQL type.
    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .bool(try cell.decode(Bool.self))
        case .int2, .int4, .int8: return .int(try cell.decode(Int.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
        case .bytea: return .bytes(Data(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }
}
