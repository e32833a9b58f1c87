/// Why the server cannot start, with a code to match on and a message that says what to do.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// A host beyond loopback without `AGENT_TURBO_API_TOKEN`.
        public static let insecureBind = Code(name: "insecure_bind")
        /// A port or host that cannot be used.
        public static let invalidConfiguration = Code(name: "invalid_configuration")
        /// The dashboard or the OpenAPI document is missing from the installation.
        public static let missingResources = Code(name: "missing_resources")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
