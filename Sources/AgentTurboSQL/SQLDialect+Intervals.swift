extension SQLDialect {
    /// Seconds from the timestamp expression `start` to `end`, built from `secondsSince` (on PostgreSQL the two
    /// readings of `clock_timestamp()` may differ by microseconds: nothing a queue wait notices).
    func seconds(from start: String, to end: String) -> String {
        "(\(secondsSince(start)) - \(secondsSince(end)))"
    }
}

extension SQLDialect {
    /// The column as it is: a planner with statistics chooses well by itself.
    public func withoutIndex(_ column: String) -> String { column }
}
