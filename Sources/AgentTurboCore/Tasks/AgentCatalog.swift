/// What a submitter knows of the agent profiles (the built-in ones and the config file's), so that a task no
/// worker could start is refused when it is submitted instead of failing when it is claimed: its agent must
/// be a known profile, one that can run at all, and its prompt must fit the way that agent takes it.
///
/// `submit`, `run` and `POST /v1/tasks` check every task against it before anything is stored.
public struct AgentCatalog: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var name: String
        /// The longest prompt, in UTF-8 bytes, that this agent can be given; `nil` when every prompt the queue
        /// accepts fits (the agent reads long prompts from standard input).
        public var longestPrompt: Int?
        /// Why no task of this agent can run yet (a `command` profile without a program), if that is so.
        public var unusableBecause: String?

        public init(name: String, longestPrompt: Int?, unusableBecause: String? = nil) {
            self.name = name
            self.longestPrompt = longestPrompt
            self.unusableBecause = unusableBecause
        }
    }

    public private(set) var entries: [String: Entry]

    public init(_ entries: [Entry]) {
        self.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    }

    public var names: [String] { entries.keys.sorted() }

    /// Refuses a task whose agent is unknown or cannot run, or whose prompt is too long for that agent.
    public func check(_ task: NewTask) throws(InputError) {
        guard let entry = entries[task.agent] else {
            throw InputError(
                "unknown agent '\(task.agent)': the profiles are \(names.joined(separator: ", ")) (add one under \"profiles\" in the config file)"
            )
        }
        if let reason = entry.unusableBecause {
            throw InputError(reason)
        }
        let bytes = task.taskDescription.utf8.count
        if let longest = entry.longestPrompt, bytes > longest {
            throw InputError(
                "the prompt is \(bytes) bytes, more than the '\(entry.name)' agent can take as one argument (\(longest) bytes: Linux caps one argument at 128 KiB): shorten it, or let the profile take prompts on standard input (prompt_delivery \"stdin\" or stdin_argument in the config file)"
            )
        }
    }
}
