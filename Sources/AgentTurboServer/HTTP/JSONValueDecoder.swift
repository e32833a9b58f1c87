import AgentTurboCore
import Foundation

/// Decodes a type from an already parsed JSON value (by way of its compact text).
enum JSONValueDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONDecoder().decode(type, from: try JSONEncoder().encode(value))
    }
}
