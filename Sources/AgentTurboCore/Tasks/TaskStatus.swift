/// Where a task is in its life: `pending` -> `running` -> `completed` | `failed` | `cancelled`,
/// or `pending` -> `cancelled`. `retry` moves a finished, unsuccessful task back to `pending`.
public enum TaskStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pending
    case running
    case completed
    case failed
    case cancelled

    /// A finished task is never claimed again unless someone retries it.
    public var isFinished: Bool {
        switch self {
        case .pending, .running: false
        case .completed, .failed, .cancelled: true
        }
    }

    /// `retry` accepts only tasks that ended without success.
    public var isRetryable: Bool { self == .failed || self == .cancelled }

    /// Parses a status typed by a user, naming the accepted values when it is not one.
    public static func parse(_ text: String) throws(InputError) -> TaskStatus {
        guard let status = TaskStatus(rawValue: text.lowercased()) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            throw InputError("unknown status '\(text)': use one of \(names)")
        }
        return status
    }
}
