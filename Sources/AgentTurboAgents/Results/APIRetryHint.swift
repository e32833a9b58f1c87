import Foundation

/// When the API asked to be called again, as Claude Code reports it in `stream-json` mode. Before each of its
/// own retries the CLI prints `{"type":"system","subtype":"api_retry","attempt":1,"retry_delay_ms":7143,
/// "error_status":429,...}`. Against a 429 with `retry-after: 7`, Claude Code 2.1.x waits that long (plus a
/// little jitter) and says so; without `retry-after` it backs off by itself, 500 ms doubled per attempt with up
/// to a quarter more (553, 1177, 2282 ms measured), and a `retry-after` past about a minute it does not wait
/// for at all (it gives up at once and reports nothing). `--output-format json` prints none of these events.
public enum APIRetryHint {
    /// The delay the API asked for before the last retry of a 429, read from the end of a `stream-json`
    /// output; `nil` when there was none, or when the delay is no longer than the CLI's own backoff for that
    /// attempt (then the API named no time, and the queue's `--rate-limit-wait` applies).
    public static func rateLimitDelay(in output: Data) -> TimeInterval? {
        let marker = Data("\"api_retry\"".utf8)
        for line in output.split(separator: UInt8(ascii: "\n")).reversed() where line.range(of: marker) != nil {
            guard let event = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                event["type"] as? String == "system", event["subtype"] as? String == "api_retry"
            else { continue }
            guard (event["error_status"] as? Int) == 429, let delay = (event["retry_delay_ms"] as? NSNumber)?.doubleValue
            else { return nil }
            let attempt = max(1, (event["attempt"] as? Int) ?? 1)
            let ownBackoff = 500 * pow(2, Double(min(attempt, 16) - 1)) * 1.25
            return delay > ownBackoff ? delay / 1000 : nil
        }
        return nil
    }
}
