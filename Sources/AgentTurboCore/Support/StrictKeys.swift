/// Refuses JSON objects with keys a type does not know, so a typo such as `tiemout_seconds` is an error
/// instead of a silently ignored default.
public enum StrictKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public static func check(_ decoder: any Decoder, allowed: [String], in object: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
            throw InputError("unknown field \(names) in \(object): known fields are \(allowed.joined(separator: ", "))")
        }
    }
}
