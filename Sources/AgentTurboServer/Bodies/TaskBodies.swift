import AgentTurboCore

/// `GET /v1/tasks`: a page of tasks, newest first (prompts and results as previews), and the cursor of the next
/// page (`null` on the last).
struct TaskListBody: Encodable {
    var tasks: [TaskSummary]
    var nextAfter: String?

    enum CodingKeys: String, CodingKey {
        case tasks
        case nextAfter = "next_after"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(nextAfter, forKey: .nextAfter)
    }
}

/// `POST /v1/tasks/{id}/cancel`: what happened and the task as it is now.
struct CancelBody: Encodable {
    /// `cancelled` (it was pending), `cancel_requested` (its worker stops it), `already_finished`.
    var outcome: String
    var task: AgentTask

    init(_ result: CancelResult) {
        switch result {
        case .cancelled(let task): (outcome, self.task) = ("cancelled", task)
        case .requested(let task): (outcome, self.task) = ("cancel_requested", task)
        case .alreadyFinished(let task): (outcome, self.task) = ("already_finished", task)
        }
    }
}

/// `GET /v1/tasks/{id}/events`: the audit trail, oldest first.
struct EventsBody: Encodable {
    var events: [TaskAction]
}

/// `POST /v1/tasks/{id}/cancel` takes an optional `{"reason": "..."}` for the audit trail.
struct CancelRequestBody: Decodable {
    var reason: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case reason
    }

    /// Longest reason kept in the audit trail, in characters (Unicode scalars, as JSON Schema counts them).
    static let maximumReasonLength = 10_000

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "the cancel request")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.reason) else { return }
        guard !(try container.decodeNil(forKey: .reason)) else {
            throw InputError("reason is null: give a string, or leave it out")
        }
        let reason = try container.decode(String.self, forKey: .reason)
        guard !reason.contains("\u{0}") else {
            throw InputError("reason contains a NUL character, which the audit trail cannot store")
        }
        guard reason.unicodeScalars.count <= Self.maximumReasonLength else {
            throw InputError("reason is \(reason.unicodeScalars.count) characters, more than \(Self.maximumReasonLength)")
        }
        self.reason = reason
    }
}
