import AgentTurboCore
import Foundation
import HTTPTypes

/// The checked-in OpenAPI document (`Sources/AgentTurboServer/Resources/openapi.json`) and a validator for the
/// subset of JSON Schema it uses: `$ref` (to `#/components/...`), `type` (a name or a list, `null` included),
/// `properties`, `required`, `additionalProperties` (`false` or a schema), `items`, `enum`, `oneOf`, `anyOf`,
/// `allOf`, `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`, `pattern`, and `format: date-time`.
/// Anything else in the document is description and is not checked.
struct OpenAPIDocument: Sendable {
    let root: JSONValue
    let data: Data

    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/AgentTurboServer/Resources/openapi.json").path

    static let shared: OpenAPIDocument = {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        let root = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null
        return OpenAPIDocument(root: root, data: data)
    }()

    var paths: [String: JSONValue] { root["paths"]?.objectValue ?? [:] }

    /// Problems with a response to `method uri`, none when it matches the document.
    func check(method: String, uri: String, response: APIResponse) -> [String] {
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let status = String(response.status)
        guard let template = matchPath(path), let operation = paths[template]?[method.lowercased()] else {
            // Unknown routes answer 404, known routes asked with another method 405 (with Allow), both with the
            // error body; HEAD answers as GET does, without a body.
            if method.uppercased() == "HEAD", let template = matchPath(path), paths[template]?["get"] != nil {
                return response.data.isEmpty ? [] : ["HEAD \(path) has a body"]
            }
            if response.status == 405 {
                return response.headers[.allow] == nil ? ["405 without Allow"]
                    : validate(response, against: resolve(root["components"]?["schemas"]?["Error"] ?? .null))
            }
            guard response.status == 404 || response.status == 401 || response.status == 403 else {
                return ["no operation \(method) \(path) in the document"]
            }
            return validate(response, against: resolve(root["components"]?["schemas"]?["Error"] ?? .null))
        }
        guard var described = operation["responses"]?[status] ?? operation["responses"]?["default"] else {
            return ["status \(status) is not documented for \(method) \(template)"]
        }
        described = resolve(described)
        guard let content = described["content"]?.objectValue else { return [] }
        let mediaType = response.contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[mediaType] else {
            return ["content type '\(mediaType)' is not documented for \(method) \(template) \(status)"]
        }
        guard mediaType == "application/json" else { return [] }
        return validate(response, against: resolve(media["schema"] ?? .null))
    }

    private func validate(_ response: APIResponse, against schema: JSONValue) -> [String] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: response.data) else {
            return ["the body is not JSON"]
        }
        return validate(value, schema, at: "$")
    }

    /// The path template a concrete path matches, literal paths first.
    func matchPath(_ path: String) -> String? {
        if paths[path] != nil {
            return path
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return paths.keys.sorted().first { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == segments.count && zip(parts, segments).allSatisfy { part, segment in
                part == segment || (part.hasPrefix("{") && part.hasSuffix("}") && !segment.isEmpty)
            }
        }
    }

    func resolve(_ value: JSONValue) -> JSONValue {
        guard case .string(let reference)? = value["$ref"] else { return value }
        var node = root
        for part in reference.dropFirst(2).split(separator: "/") {
            node = node[String(part)] ?? .null
        }
        return resolve(node)
    }

    /// Problems of `value` against `schema`, with JSON paths.
    func validate(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        let schema = resolve(schema)
        var problems: [String] = []
        if case .array(let types)? = schema["type"] {
            let names = types.compactMap(\.stringValue)
            if !names.contains(where: { Self.has(value, type: $0) }) {
                return ["\(path): \(Self.describe(value)) is not \(names.joined(separator: " or "))"]
            }
        } else if case .string(let type)? = schema["type"], !Self.has(value, type: type) {
            return ["\(path): \(Self.describe(value)) is not \(type)"]
        }
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            problems.append("\(path): \(Self.describe(value)) is not one of \(allowed.compactMap(\.stringValue))")
        }
        if case .array(let all)? = schema["allOf"] {
            problems += all.flatMap { validate(value, $0, at: path) }
        }
        if case .array(let any)? = schema["anyOf"], !any.contains(where: { validate(value, $0, at: path).isEmpty }) {
            problems.append("\(path): matches none of anyOf")
        }
        if case .array(let one)? = schema["oneOf"] {
            let matches = one.filter { validate(value, $0, at: path).isEmpty }.count
            if matches != 1 {
                problems.append("\(path): matches \(matches) of oneOf, not exactly one")
            }
        }
        switch value {
        case .object(let object):
            problems += validateObject(object, schema, at: path)
        case .array(let items):
            if let minimum = schema["minItems"]?.numberValue, Double(items.count) < minimum {
                problems.append("\(path): fewer than \(Int(minimum)) items")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    problems += validate(item, itemSchema, at: "\(path)[\(index)]")
                }
            }
        case .string(let text):
            if schema["format"]?.stringValue == "date-time", Timestamp.parse(text) == nil {
                problems.append("\(path): '\(text)' is not a date-time")
            }
            if let pattern = schema["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
            if let minimum = schema["minLength"]?.numberValue, Double(text.count) < minimum {
                problems.append("\(path): shorter than \(Int(minimum))")
            }
            if let maximum = schema["maxLength"]?.numberValue, Double(text.count) > maximum {
                problems.append("\(path): longer than \(Int(maximum))")
            }
        case .number(let number):
            if let minimum = schema["minimum"]?.numberValue, number < minimum {
                problems.append("\(path): \(number) is below \(minimum)")
            }
            if let maximum = schema["maximum"]?.numberValue, number > maximum {
                problems.append("\(path): \(number) is above \(maximum)")
            }
        default:
            break
        }
        return problems
    }

    private func validateObject(_ object: [String: JSONValue], _ schema: JSONValue, at path: String) -> [String] {
        var problems: [String] = []
        let properties = schema["properties"]?.objectValue ?? [:]
        for case .string(let key) in schema["required"]?.arrayValue ?? [] where object[key] == nil {
            problems.append("\(path): required property '\(key)' is missing")
        }
        for (key, item) in object.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[key] {
                problems += validate(item, propertySchema, at: "\(path).\(key)")
            } else if case .bool(false)? = schema["additionalProperties"] {
                problems.append("\(path): property '\(key)' is not in the schema")
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                problems += validate(item, additional, at: "\(path).\(key)")
            }
        }
        return problems
    }

    static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .number):
            return true
        case ("integer", .number(let number)):
            return number == number.rounded()
        default:
            return false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number): "\(number)"
        case .string(let text): "'\(text.prefix(60))'"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
