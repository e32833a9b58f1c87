import AgentTurboCore

/// `GET /v1/workers`: every worker row and the agent profiles held back on every worker.
struct WorkersBody: Encodable {
    var workers: [WorkerRecord]
    var holds: [AgentHold]
}

/// `GET /healthz` and `GET /readyz`.
struct HealthBody: Encodable {
    var status: String
    var schemaVersion: Int?

    enum CodingKeys: String, CodingKey {
        case status
        case schemaVersion = "schema_version"
    }
}

extension QueueStats {
    /// Every state present in `counts_by_status`, zero when no task is in it, so clients need no defaults.
    var withEveryStatus: QueueStats {
        var stats = self
        for status in TaskStatus.allCases where stats.countsByStatus[status.rawValue] == nil {
            stats.countsByStatus[status.rawValue] = 0
        }
        return stats
    }
}
