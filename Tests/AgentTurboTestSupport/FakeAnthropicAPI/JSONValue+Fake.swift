import AgentTurboCore
import Foundation

// The fake parses requests into Core's `JSONValue` and builds responses from it (`Sendable`, unlike
// `JSONSerialization`'s `Any`); what it needs beyond Core's readers and literals.

// MARK: - Reading

extension JSONValue {
    /// Parses `data`, or returns nil when it is not JSON.
    static func parse(_ data: Data) -> JSONValue? {
        guard !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The value as plain Swift values (`String`, `Double`, `Bool`, arrays, dictionaries, `NSNull`).
    var plainValue: any Sendable {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .number(let value): return value
        case .string(let value): return value
        case .array(let values): return values.map(\.plainValue)
        case .object(let members): return members.mapValues(\.plainValue)
        }
    }
}

// MARK: - Writing

extension JSONValue {
    /// Compact JSON text with sorted keys; whole numbers are written without a fraction (as `encode` does).
    var serialized: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("null".utf8), as: UTF8.self)
    }
}
