import AgentTurboCore
import Foundation

/// Why a worker stopped an agent itself. The first reason given wins.
public enum StopReason: Sendable, Hashable {
    case timeout(seconds: Int)
    case cancelRequested
    /// The worker is shutting down: the task goes back to the queue without spending a retry.
    case shutdown
    /// Another worker owns the task now: nothing is recorded.
    case leaseLost
}

/// What a finished attempt means for its task.
public struct Classification: Sendable {
    public var outcome: AttemptOutcome
    /// Hold the profile back on every worker until this time (a usage limit, invalid credentials).
    public var holdUntil: Date?

    public init(outcome: AttemptOutcome, holdUntil: Date? = nil) {
        self.outcome = outcome
        self.holdUntil = holdUntil
    }
}

/// Turns how an agent ended into an outcome: completed; an agent error; a permanent failure (invalid
/// credentials, a missing program); a rate or usage limit with its reset time; a transient API error; a
/// timeout; a crash.
public struct AttemptClassifier: Sendable {
    /// How long a profile is held back after invalid credentials, so that no other task burns an attempt on them.
    public var credentialHoldSeconds: Double = 300
    /// The wait after a rate limit that names no reset time.
    public var rateLimitFallbackSeconds: Double = 60

    public init(credentialHoldSeconds: Double = 300, rateLimitFallbackSeconds: Double = 60) {
        self.credentialHoldSeconds = credentialHoldSeconds
        self.rateLimitFallbackSeconds = rateLimitFallbackSeconds
    }

    public func classify(
        exit: ProcessExit, stopReason: StopReason?, format: AgentProfile.OutputFormat, claudeResult: ClaudeResult?,
        stdoutTail: Data, stderrTail: Data, now: Date = Date()
    ) -> Classification {
        var report = claudeResult?.report(exitCode: exit.exitCode) ?? AgentReport(exitCode: exit.exitCode)
        report.peakMemoryBytes = exit.peakMemoryBytes
        report.cpuUserSec = exit.userCPUSeconds
        report.cpuSystemSec = exit.systemCPUSeconds
        if format == .text, report.result == nil {
            report.result = Self.text(stdoutTail)
        }

        switch stopReason {
        case .timeout(let seconds):
            return Classification(outcome: .failed(AttemptFailure(kind: .timeout, message: "timed out after \(seconds) s; the agent's process group was stopped"), report))
        case .cancelRequested:
            return Classification(outcome: .cancelled(report))
        case .shutdown, .leaseLost:
            return Classification(outcome: .requeued(reason: "the worker stopped the agent while shutting down"))
        case nil:
            break
        }

        if let claude = claudeResult {
            return classifyClaude(claude, exit: exit, report: report, stderrTail: stderrTail, now: now)
        }
        if exit.status == .exited(127), Self.text(stderrTail)?.contains("cannot start") == true {
            return Classification(outcome: .failed(AttemptFailure(kind: .executableNotFound, message: Self.text(stderrTail) ?? "the agent's program was not found"), report))
        }
        if format == .text, exit.succeeded {
            return Classification(outcome: .completed(report))
        }
        let detail = Self.lastLine(stderrTail) ?? Self.lastLine(stdoutTail)
        switch exit.status {
        case .signaled:
            return Classification(outcome: .failed(AttemptFailure(kind: .crashed, message: "the agent was \(exit.summary)" + (detail.map { ": \($0)" } ?? "")), report))
        case .exited(0):
            return Classification(outcome: .failed(AttemptFailure(kind: .crashed, message: "the agent exited without printing its result" + (detail.map { ": \($0)" } ?? "")), report))
        case .exited:
            return Classification(outcome: .failed(AttemptFailure(kind: .agentError, message: "the agent ended with \(exit.summary)" + (detail.map { ": \($0)" } ?? "")), report))
        }
    }

    private func classifyClaude(
        _ claude: ClaudeResult, exit: ProcessExit, report: AgentReport, stderrTail: Data, now: Date
    ) -> Classification {
        let text = claude.result ?? ""
        if !claude.isError, claude.subtype == nil || claude.subtype == "success" {
            return Classification(outcome: .completed(report))
        }
        if let reset = Self.usageLimitReset(text, now: now) {
            return Classification(outcome: .rateLimited(retryAt: reset, message: Self.oneLine(text), report), holdUntil: reset)
        }
        let status = claude.apiErrorStatus
        let lowered = text.lowercased()
        if status == 401 || status == 403 || lowered.contains("invalid api key") || lowered.contains("authentication_error")
            || lowered.contains("please run /login") || lowered.contains("oauth token has expired")
        {
            let hold = now.addingTimeInterval(credentialHoldSeconds)
            return Classification(outcome: .failed(AttemptFailure(kind: .invalidCredentials, message: "invalid credentials: \(Self.oneLine(text))"), report), holdUntil: hold)
        }
        if status == 429 || lowered.contains("rate_limit_error") || lowered.contains("rate limit") {
            let reset = now.addingTimeInterval(rateLimitFallbackSeconds)
            return Classification(outcome: .rateLimited(retryAt: reset, message: "rate limited: \(Self.oneLine(text))", report), holdUntil: reset)
        }
        if let status, status == 529 || status == 408 || status >= 500 {
            return Classification(outcome: .failed(AttemptFailure(kind: .transient, message: "API error \(status): \(Self.oneLine(text))"), report))
        }
        if lowered.contains("overloaded") || lowered.contains("api error") || lowered.contains("connection error")
            || lowered.contains("request timed out") || lowered.contains("fetch failed")
        {
            return Classification(outcome: .failed(AttemptFailure(kind: .transient, message: Self.oneLine(text)), report))
        }
        if claude.subtype == "error_max_turns" {
            return Classification(outcome: .failed(AttemptFailure(kind: .maxTurns, message: "reached the task's max_turns (\(claude.numTurns ?? 0) turns)"), report))
        }
        let message = text.isEmpty ? "the agent reported an error (\(claude.subtype ?? "is_error"), \(exit.summary))" : Self.oneLine(text)
        return Classification(outcome: .failed(AttemptFailure(kind: .agentError, message: message), report))
    }

    /// Claude Code's usage-limit message, `Claude AI usage limit reached|1767225600`: the reset as a Unix time.
    static func usageLimitReset(_ text: String, now: Date) -> Date? {
        guard text.lowercased().contains("limit reached"), let bar = text.lastIndex(of: "|") else { return nil }
        let digits = text[text.index(after: bar)...].prefix { $0.isNumber }
        guard let seconds = Double(digits), seconds > 1_000_000_000 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    static func text(_ data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    static func lastLine(_ data: Data) -> String? {
        text(data)?.split(whereSeparator: \.isNewline).last.map { oneLine(String($0)) }
    }

    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 500 ? String(line.prefix(499)) + "…" : line
    }
}
