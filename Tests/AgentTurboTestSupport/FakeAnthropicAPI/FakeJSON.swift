import Foundation

/// A JSON value the fake parses requests into and builds responses from.
///
/// A small enum instead of `JSONSerialization`'s `Any`, so that parsed requests stay `Sendable`
/// and response bodies are written the same way on every platform.
enum FakeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([FakeJSON])
    case object([String: FakeJSON])
}

// MARK: - Reading

extension FakeJSON {
    /// Parses `data`, or returns nil when it is not JSON.
    static func parse(_ data: Data) -> FakeJSON? {
        guard !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(FakeJSON.self, from: data)
    }

    subscript(key: String) -> FakeJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [FakeJSON]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var object: [String: FakeJSON]? {
        if case .object(let members) = self { return members }
        return nil
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

extension FakeJSON: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let values = try? container.decode([FakeJSON].self) {
            self = .array(values)
        } else {
            self = .object(try container.decode([String: FakeJSON].self))
        }
    }
}

// MARK: - Writing

extension FakeJSON {
    /// Compact JSON text with sorted keys; whole numbers are written without a fraction.
    var serialized: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 {
                output += String(Int64(value))
            } else {
                output += "\(value)"
            }
        case .string(let value):
            Self.writeString(value, to: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

// MARK: - Literals, so response bodies read like the JSON they produce

extension FakeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: FakeJSON...) { self = .array(elements) }
    init(nilLiteral: ()) { self = .null }
    init(dictionaryLiteral elements: (String, FakeJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    static func int(_ value: Int) -> FakeJSON { .number(Double(value)) }
}
