import Foundation

/// Backoff between attempts: exponential from `baseSeconds`, capped at `maximumSeconds`, with "equal jitter"
/// (a delay `d` becomes a random value in `d/2 ... d`) so that failures across many workers do not retry in step.
/// Rate limits spend no retry; they end by `maximumRateLimitWaitSeconds` instead.
public struct RetryPolicy: Sendable, Hashable {
    public var baseSeconds: Double
    public var multiplier: Double
    public var maximumSeconds: Double
    /// Fraction of the delay that is random: 0 gives exact delays, 0.5 gives `d/2 ... d`.
    public var jitter: Double
    /// Most time a task may be put back for rate and usage limits in total (`--max-rate-limit-wait`, 6 h): a
    /// limit whose wait would take it past this fails the task instead, so that an endless 429 ends.
    public var maximumRateLimitWaitSeconds: Double

    public init(
        baseSeconds: Double = 10, multiplier: Double = 2, maximumSeconds: Double = 600, jitter: Double = 0.5,
        maximumRateLimitWaitSeconds: Double = 6 * 3600
    ) {
        self.baseSeconds = baseSeconds
        self.multiplier = multiplier
        self.maximumSeconds = maximumSeconds
        self.jitter = jitter
        self.maximumRateLimitWaitSeconds = maximumRateLimitWaitSeconds
    }

    public static let standard = RetryPolicy()

    /// The longest delay before retry number `retry` (1 for the first retry).
    public func ceiling(forRetry retry: Int) -> Double {
        let exponent = Double(max(0, retry - 1))
        return min(maximumSeconds, baseSeconds * pow(multiplier, exponent))
    }

    /// The delay before retry number `retry`, jitter applied.
    public func delay(forRetry retry: Int) -> Double {
        let ceiling = ceiling(forRetry: retry)
        return ceiling * (1 - jitter * Double.random(in: 0...1))
    }
}
