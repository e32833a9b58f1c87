/// Reading a parsed value without a `switch` at every step; `nil` when it is not of that kind.
extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let object) = self { object } else { nil }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { array } else { nil }
    }

    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    public var numberValue: Double? {
        if case .number(let number) = self { number } else { nil }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }
}
