/// Which tasks `list` returns: newest first, optionally filtered, a page at a time.
public struct TaskFilter: Sendable, Hashable {
    public var statuses: Set<TaskStatus>
    public var taskTypes: Set<String>
    public var agents: Set<String>
    public var workerID: String?
    /// Only the tasks of one `run` batch.
    public var batchID: String?
    public var limit: Int
    /// Continue after this task id (keyset paging: the page holds tasks older than this one).
    public var after: String?
    /// Only tasks whose id, prompt or error contains this text (case-insensitive for ASCII).
    /// A page of a search looks at no more than ``searchWindow`` tasks, so its cost is bounded.
    public var search: String?

    /// How many tasks (newest first, after the cursor and the other filters) one search page looks at.
    public static let searchWindow = 20_000
    public static let maximumSearchLength = 200

    public static let defaultLimit = 50
    public static let maximumLimit = 10_000

    public init(
        statuses: Set<TaskStatus> = [], taskTypes: Set<String> = [], agents: Set<String> = [],
        workerID: String? = nil, batchID: String? = nil, limit: Int = TaskFilter.defaultLimit, after: String? = nil
    ) {
        self.statuses = statuses
        self.taskTypes = taskTypes
        self.agents = agents
        self.workerID = workerID
        self.batchID = batchID
        self.limit = limit
        self.after = after
    }

    public func validate() throws(InputError) {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw InputError("limit must be between 1 and \(Self.maximumLimit), not \(limit)")
        }
        // Code points, as the OpenAPI document's maxLength counts them.
        if let search, search.unicodeScalars.count > Self.maximumSearchLength {
            throw InputError("the search text must be at most \(Self.maximumSearchLength) characters, not \(search.unicodeScalars.count)")
        }
    }
}
