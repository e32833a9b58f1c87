/// An error from a task store, with a code to match on and a message that says what to do next.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// No task with that id.
        public static let notFound = Code(name: "not_found")
        /// A task with that id exists already.
        public static let duplicateID = Code(name: "duplicate_id")
        /// The attempt is no longer this worker's: someone rescued, finished or cancelled it.
        public static let leaseLost = Code(name: "lease_lost")
        /// The task is not in a state that allows the operation.
        public static let invalidState = Code(name: "invalid_state")
        /// The database schema is older than this program: run `agent-turbo migrate`.
        public static let schemaBehind = Code(name: "schema_behind")
        /// The database schema is newer than this program: upgrade agent-turbo.
        public static let schemaAhead = Code(name: "schema_ahead")
        /// The database URL or path cannot be used.
        public static let badLocation = Code(name: "bad_location")
        /// An idempotency key was used before with a different request.
        public static let idempotencyConflict = Code(name: "idempotency_conflict")
        /// The database cannot be reached or failed; the operation may be retried.
        public static let unavailable = Code(name: "unavailable")
        /// A row holds a value this program cannot read (written by hand, or by a newer version): retrying
        /// reads the same row again, so it is not retried.
        public static let unreadableRow = Code(name: "unreadable_row")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
