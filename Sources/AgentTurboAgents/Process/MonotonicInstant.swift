import CAgentSupport

/// A point on the system's monotonic clock (CLOCK_MONOTONIC), the clock the supervisor stamps an agent's end
/// with: the worker compares it with the moment it asked the agent to stop. Values can be made freely, so
/// the attempt lifecycle can be tested with a clock the test drives.
public struct MonotonicInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static var now: MonotonicInstant { MonotonicInstant(nanoseconds: at_monotonic_ns()) }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        let delta = rhs.nanoseconds
        return MonotonicInstant(nanoseconds: delta >= 0 ? lhs.nanoseconds &+ UInt64(delta) : lhs.nanoseconds &- min(lhs.nanoseconds, UInt64(-delta)))
    }

    public static func - (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        lhs + (.zero - rhs)
    }

    public static func - (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Duration {
        lhs >= rhs ? .nanoseconds(Int64(lhs.nanoseconds - rhs.nanoseconds)) : .zero - .nanoseconds(Int64(rhs.nanoseconds - lhs.nanoseconds))
    }

    public var description: String { "\(Double(nanoseconds) / 1e9)s" }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            return seconds < 0 ? .min : .max
        }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// A duration of `seconds` (fractional) seconds.
    public static func seconds(fractional seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
