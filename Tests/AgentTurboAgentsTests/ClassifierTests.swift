import AgentTurboAgents
import AgentTurboCore
import Foundation
import Testing

/// Lines as Claude Code 2.1.332 printed them against a 429 (`--output-format stream-json --verbose`).
enum RecordedStream {
    static func retry(attempt: Int, delayMS: Int, status: Int = 429) -> String {
        #"{"type":"system","subtype":"api_retry","attempt":\#(attempt),"max_retries":2,"retry_delay_ms":\#(delayMS),"error_status":\#(status),"error":"rate_limit","session_id":"b3246643","uuid":"26b884b6"}"#
    }

    static let result = #"{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"api_error_type":"rate_limit_error","result":"API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit.","num_turns":1,"session_id":"b3246643","total_cost_usd":0,"terminal_reason":"api_error"}"#

    static func output(_ lines: [String]) -> Data {
        Data((lines.joined(separator: "\n") + "\n").utf8)
    }
}

@Suite("Agents: how an attempt ended")
struct ClassifierTests {
    let classifier = AttemptClassifier(credentialHoldSeconds: 300, rateLimitFallbackSeconds: 60)
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let failed = ProcessExit(status: .exited(1), peakMemoryBytes: 0, userCPUSeconds: 0, systemCPUSeconds: 0, wallSeconds: 1)

    func classify(stdout: Data = Data(), stderr: String = "", format: AgentProfile.OutputFormat = .claudeStreamJSON, exit: ProcessExit = failed)
        -> Classification
    {
        classifier.classify(
            exit: exit, format: format, claudeResult: ClaudeResult.find(in: stdout), stdoutTail: stdout,
            stderrTail: Data(stderr.utf8), now: now
        )
    }

    @Test("A 429 waits for the API's retry-after when the CLI reported it, else --rate-limit-wait")
    func rateLimitReset() throws {
        let reported = classify(stdout: RecordedStream.output([
            RecordedStream.retry(attempt: 1, delayMS: 7143), RecordedStream.retry(attempt: 2, delayMS: 7197), RecordedStream.result,
        ]))
        guard case .rateLimited(let retryAt, let message, _) = reported.outcome else {
            Issue.record("not rate limited: \(reported.outcome)")
            return
        }
        #expect(retryAt == now.addingTimeInterval(7.197))
        #expect(reported.holdUntil == retryAt)
        #expect(message.contains("the API asked to wait 7.2 s"))

        // Without retry-after the CLI backs off by itself (553, 1177, 2282 ms measured): that is no reset time.
        let ownBackoff = classify(stdout: RecordedStream.output([
            RecordedStream.retry(attempt: 1, delayMS: 553), RecordedStream.retry(attempt: 2, delayMS: 1177), RecordedStream.result,
        ]))
        guard case .rateLimited(let fallback, let note, _) = ownBackoff.outcome else {
            Issue.record("not rate limited: \(ownBackoff.outcome)")
            return
        }
        #expect(fallback == now.addingTimeInterval(60))
        #expect(note.contains("no reset reported"))

        // JSON mode prints no retry events at all.
        let json = classify(stdout: RecordedStream.output([RecordedStream.result]), format: .claudeJSON)
        guard case .rateLimited(let jsonReset, _, _) = json.outcome else {
            Issue.record("not rate limited: \(json.outcome)")
            return
        }
        #expect(jsonReset == now.addingTimeInterval(60))
    }

    @Test("Retry events of other errors say nothing about a rate limit")
    func otherRetries() {
        #expect(APIRetryHint.rateLimitDelay(in: RecordedStream.output([RecordedStream.retry(attempt: 1, delayMS: 9000, status: 529)])) == nil)
        #expect(APIRetryHint.rateLimitDelay(in: Data("not json api_retry\n{\"type\":\"system\"}\n".utf8)) == nil)
        #expect(APIRetryHint.rateLimitDelay(in: RecordedStream.output([RecordedStream.retry(attempt: 3, delayMS: 30246)])) == 30.246)
    }

    @Test("Claude Code's refusal of bypassPermissions under root fails at once, saying why")
    func rootRefusal() throws {
        let outcome = classify(stderr: "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons\n", format: .claudeJSON).outcome
        guard case .failed(let failure, _) = outcome else {
            Issue.record("not failed: \(outcome)")
            return
        }
        #expect(failure.kind == .invalidTask)
        #expect(failure.kind.isPermanent)
        #expect(failure.message.contains("bypassPermissions"))
        #expect(failure.message.contains("IS_SANDBOX=1"))
    }
}
