/// Why an attempt did not complete. A set that grows, so a struct with static members rather than an enum;
/// stored in `agent_tasks.error_kind` as its raw value.
public struct ErrorKind: StringKind {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }


    /// The agent ran and reported an error of its own (`is_error`, a non-zero exit).
    public static let agentError = ErrorKind(rawValue: "agent_error")
    /// The agent reported invalid credentials: no retry can fix it.
    public static let invalidCredentials = ErrorKind(rawValue: "invalid_credentials")
    /// The agent's executable could not be started: no retry can fix it.
    public static let executableNotFound = ErrorKind(rawValue: "executable_not_found")
    /// The task itself is unusable for its agent (for example a working directory that does not exist).
    public static let invalidTask = ErrorKind(rawValue: "invalid_task")
    /// A rate or usage limit: the task waits for the reset without spending a retry.
    public static let rateLimited = ErrorKind(rawValue: "rate_limited")
    /// The agent used up the task's `max_turns`; running it again would do the same.
    public static let maxTurns = ErrorKind(rawValue: "max_turns")
    /// The API refused the request itself (400, 404, 413): sending it again would be refused again.
    public static let apiRejected = ErrorKind(rawValue: "api_rejected")
    /// The agent spent the spending limit it was given.
    public static let budgetExhausted = ErrorKind(rawValue: "budget_exhausted")
    /// A transient API failure (overloaded, 5xx, dropped connection): retried with backoff.
    public static let transient = ErrorKind(rawValue: "transient")
    /// The attempt ran past the task's `timeout_seconds` and its process group was stopped.
    public static let timeout = ErrorKind(rawValue: "timeout")
    /// The agent died from a signal or printed nothing usable.
    public static let crashed = ErrorKind(rawValue: "crashed")
    /// The worker holding the lease went silent; a rescuer took the task back.
    public static let leaseExpired = ErrorKind(rawValue: "lease_expired")
    /// The task's worktree could not be made or saved, or the repository's setup command failed: retried.
    /// (A repository or base the host lacks is `invalid_task`: it fails at once.)
    public static let workspaceFailed = ErrorKind(rawValue: "workspace_failed")
    /// Someone cancelled the task.
    public static let cancelled = ErrorKind(rawValue: "cancelled")

    /// Failures that no retry can fix fail the task at once.
    public var isPermanent: Bool {
        [.invalidCredentials, .executableNotFound, .invalidTask, .maxTurns, .apiRejected, .budgetExhausted].contains(self)
    }
}
