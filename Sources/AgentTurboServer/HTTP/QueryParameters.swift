import Foundation
import Hummingbird

/// A route's query parameters, read strictly: a parameter the route does not know is refused (like unknown
/// fields in a task), and every bad value is a 400 `invalid_parameter` naming the parameter.
struct QueryParameters {
    private let values: [String: String]

    init(_ request: Request, allowed: [String]) throws(APIError) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                let known = allowed.isEmpty ? "this route takes none" : "known ones are \(allowed.joined(separator: ", "))"
                throw APIError(.badRequest, .invalidParameter, "unknown query parameter '\(name)': \(known)")
            }
            guard values[name] == nil else {
                throw APIError(.badRequest, .invalidParameter, "query parameter '\(name)' is given twice: give it once")
            }
            guard !value.isEmpty else {
                throw APIError(.badRequest, .invalidParameter, "query parameter '\(name)' is empty: give it a value or leave it out")
            }
            guard !value.contains("\u{0}") else {
                throw APIError(.badRequest, .invalidParameter, "query parameter '\(name)' contains a NUL character")
            }
            values[name] = String(value)
        }
        self.values = values
    }

    /// The value, `nil` when absent (an empty value is refused when the parameters are read).
    func string(_ name: String) -> String? {
        values[name]
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(
                .badRequest, .invalidParameter,
                "\(name) must be an integer between \(range.lowerBound) and \(range.upperBound), not '\(text)'"
            )
        }
        return value
    }

    func bool(_ name: String) throws(APIError) -> Bool {
        guard let text = string(name) else { return false }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError(.badRequest, .invalidParameter, "\(name) must be true or false, not '\(text)'")
        }
    }

    /// A comma-separated list, blanks dropped; a parameter that names nothing but blanks is refused.
    func list(_ name: String) throws(APIError) -> [String] {
        guard let text = string(name) else { return [] }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else {
            throw APIError(.badRequest, .invalidParameter, "\(name) names nothing: give one or more values, comma-separated")
        }
        return items
    }
}
