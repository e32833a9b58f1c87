import AgentTurboCore
import Foundation

/// A value bound into or read out of a statement, the same for both engines. Each engine maps it to its own
/// types: SQLite keeps timestamps as ISO-8601 text and booleans as 0/1; PostgreSQL has `timestamptz`,
/// `boolean` and `jsonb`.
public enum SQLValue: Sendable, Hashable {
    case null
    case int(Int)
    case double(Double)
    case text(String)
    case bytes(Data)
    case bool(Bool)
    case date(Date)
    /// JSON text for a `jsonb` (PostgreSQL) or `TEXT` (SQLite) column.
    case json(String)

    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    public init(_ value: Int?) { self = value.map(SQLValue.int) ?? .null }
    public init(_ value: Double?) { self = value.map(SQLValue.double) ?? .null }
    public init(_ value: Date?) { self = value.map(SQLValue.date) ?? .null }
}

/// A row read back from either engine, with typed accessors that accept each engine's representation.
public struct SQLRow: Sendable {
    public let columns: [String: Int]
    public let values: [SQLValue]

    public init(columns: [String: Int], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ name: String) -> SQLValue {
        guard let index = columns[name] else { return .null }
        return values[index]
    }

    public func string(_ name: String) throws -> String {
        try required(optionalString(name), name)
    }

    public func optionalString(_ name: String) -> String? {
        switch self[name] {
        case .text(let text), .json(let text): text
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bytes(let data): String(decoding: data, as: UTF8.self)
        default: nil
        }
    }

    public func int(_ name: String) throws -> Int {
        try required(optionalInt(name), name)
    }

    public func optionalInt(_ name: String) -> Int? {
        switch self[name] {
        case .int(let value): value
        case .double(let value): Int(value)
        case .bool(let value): value ? 1 : 0
        case .text(let text): Int(text)
        default: nil
        }
    }

    public func optionalDouble(_ name: String) -> Double? {
        switch self[name] {
        case .double(let value): value
        case .int(let value): Double(value)
        case .text(let text): Double(text)
        default: nil
        }
    }

    public func bool(_ name: String) -> Bool {
        switch self[name] {
        case .bool(let value): value
        case .int(let value): value != 0
        case .text(let text): text == "t" || text == "true" || text == "1"
        default: false
        }
    }

    public func date(_ name: String) throws -> Date {
        try required(optionalDate(name), name)
    }

    public func optionalDate(_ name: String) -> Date? {
        switch self[name] {
        case .date(let date): date
        case .text(let text): Timestamp.parse(text)
        case .double(let seconds): Date(timeIntervalSince1970: seconds)
        default: nil
        }
    }

    public func data(_ name: String) -> Data {
        switch self[name] {
        case .bytes(let data): data
        case .text(let text): Data(text.utf8)
        default: Data()
        }
    }

    private func required<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else {
            throw StoreError(.unreadableRow, "the database returned no usable value for column \(name)")
        }
        return value
    }
}
