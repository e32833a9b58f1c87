import Foundation

/// Finished attempts in one span of time, for the charts of the last hour and the last day.
public struct ActivityBucket: Sendable, Hashable, Codable {
    /// The span's first instant (a whole minute or quarter hour, UTC).
    public var start: Date
    /// Attempts that completed their task.
    public var completed: Int
    /// Attempts that failed their task for good.
    public var failed: Int
    /// Attempts that failed and were given another try (retry scheduled, or rescued after a lost lease).
    public var retried: Int
    public var costUSD: Double

    public init(start: Date, completed: Int = 0, failed: Int = 0, retried: Int = 0, costUSD: Double = 0) {
        self.start = start
        self.completed = completed
        self.failed = failed
        self.retried = retried
        self.costUSD = costUSD
    }

    enum CodingKeys: String, CodingKey {
        case start
        case completed
        case failed
        case retried
        case costUSD = "cost_usd"
    }

    /// Dense buckets of `width` seconds ending with the one that holds `now`, filled from sparse per-minute
    /// rows (missing minutes count zero; rows outside the span are ignored).
    public static func series(_ minutes: [ActivityBucket], now: Date, width: TimeInterval, count: Int) -> [ActivityBucket] {
        let last = (now.timeIntervalSince1970 / width).rounded(.down) * width
        let first = last - width * Double(count - 1)
        var buckets = (0..<count).map { ActivityBucket(start: Date(timeIntervalSince1970: first + width * Double($0))) }
        for minute in minutes {
            let index = Int(((minute.start.timeIntervalSince1970 - first) / width).rounded(.down))
            guard buckets.indices.contains(index) else { continue }
            buckets[index].completed += minute.completed
            buckets[index].failed += minute.failed
            buckets[index].retried += minute.retried
            buckets[index].costUSD += minute.costUSD
        }
        return buckets
    }
}
