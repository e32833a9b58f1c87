import Foundation

/// One row of `agent_hold_actions`, the audit trail of holds: a profile held back (`held`) or its hold ended
/// early by someone (`cleared`). Holds name a profile, not a task, so they have a table of their own.
public struct HoldAction: Sendable, Hashable, Codable {
    public var id: Int64
    public var agent: String
    /// `held` or `cleared`.
    public var action: String
    /// Who cleared it (`cli`, `api`); `nil` for holds set by a worker.
    public var actor: String?
    public var holdUntil: Date?
    public var reason: String?
    public var createdAt: Date

    public init(id: Int64, agent: String, action: String, actor: String?, holdUntil: Date?, reason: String?, createdAt: Date) {
        self.id = id
        self.agent = agent
        self.action = action
        self.actor = actor
        self.holdUntil = holdUntil
        self.reason = reason
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case agent
        case action
        case actor
        case holdUntil = "hold_until"
        case reason
        case createdAt = "created_at"
    }
}
