import Foundation

/// What the `simulate` agent's prompt asks of it: space-separated directives (SPEC §2); every other word is
/// echoed back as the result.
public struct SimulateDirectives: Sendable, Hashable {
    public var sleepSeconds: Double = 0
    public var exitCode: Int?
    public var outputBytes: Int = 0
    /// Printed at the end, after the sleep, just before the result (an agent that says a lot as it finishes).
    public var finalOutputBytes: Int = 0
    public var ignoreTerm = false
    public var grandchild = false
    /// Starts a child in a session of its own that sleeps an hour (out of reach of a process-group signal).
    public var daemon = false
    /// An API status to report: 401 (invalid credentials), 429 (rate limit), 529 or 5xx (transient).
    public var status: Int?
    /// A usage limit that resets this many seconds from now.
    public var rateLimitSeconds: Double?
    public var writePath: String?
    public var memoryMB: Int = 0
    public var cpuSeconds: Double = 0
    public var costUSD: Double?
    public var result: String?
    public var turns: Int = 1
    /// The words that are not directives.
    public var echo: String = ""

    public init(prompt: String) {
        var words: [Substring] = []
        for word in prompt.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let parts = word.split(separator: "=", maxSplits: 1)
            let key = parts[0]
            let value = parts.count > 1 ? String(parts[1]) : nil
            switch (key, value) {
            case ("sleep", let value?): sleepSeconds = Double(value) ?? 0
            case ("exit", let value?): exitCode = Int(value)
            case ("output", let value?): outputBytes = Int(value) ?? 0
            case ("final-output", let value?): finalOutputBytes = Int(value) ?? 0
            case ("ignore-term", nil): ignoreTerm = true
            case ("grandchild", nil): grandchild = true
            case ("daemon", nil): daemon = true
            case ("status", let value?): status = Int(value)
            case ("rate-limit", let value?): rateLimitSeconds = Double(value)
            case ("write", let value?): writePath = value
            case ("memory", let value?): memoryMB = Int(value) ?? 0
            case ("cpu", let value?): cpuSeconds = Double(value) ?? 0
            case ("cost", let value?): costUSD = Double(value)
            case ("result", let value?): result = value
            case ("turns", let value?): turns = max(1, Int(value) ?? 1)
            default: words.append(word)
            }
        }
        echo = words.joined(separator: " ")
    }
}
