/// What a submit with an idempotency key did: added the tasks, or found them added by an earlier submit with the
/// same key and body (a client's retry after a lost answer) and added nothing.
public struct SubmitResult: Sendable, Hashable {
    public var tasks: [AgentTask]
    /// `true` when the key had been used before with the same body: `tasks` are the ones that submit added.
    public var replayed: Bool

    public init(tasks: [AgentTask], replayed: Bool) {
        self.tasks = tasks
        self.replayed = replayed
    }
}

/// How long a submit's idempotency key is remembered, and what makes a key usable.
public enum IdempotencyKey {
    /// A retry later than this adds the tasks again; older keys are deleted as new ones arrive.
    public static let retentionSeconds: Double = 24 * 3600
    public static let maximumLength = 255

    /// Printable ASCII, 1 to 255 characters, as the `Idempotency-Key` header draft allows.
    public static func validate(_ key: String) throws(InputError) {
        guard !key.isEmpty, key.utf8.count <= maximumLength, key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw InputError(
                "the idempotency key must be 1 to \(maximumLength) printable ASCII characters without spaces, such as a UUID"
            )
        }
    }
}
