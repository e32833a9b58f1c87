import AgentTurboCore
import Foundation

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
    /// The wait after a usage limit whose reset time cannot be read.
    public var usageLimitFallbackSeconds: Double = 3600

    public init(credentialHoldSeconds: Double = 300, rateLimitFallbackSeconds: Double = 60) {
        self.credentialHoldSeconds = credentialHoldSeconds
        self.rateLimitFallbackSeconds = rateLimitFallbackSeconds
    }

    public func classify(
        exit: ProcessExit, format: AgentProfile.OutputFormat, claudeResult: ClaudeResult?,
        stdoutTail: Data, stderrTail: Data, now: Date = Date()
    ) -> Classification {
        var report = claudeResult?.report(exitCode: exit.exitCode) ?? AgentReport(exitCode: exit.exitCode)
        report.peakMemoryBytes = exit.peakMemoryBytes
        report.cpuUserSec = exit.userCPUSeconds
        report.cpuSystemSec = exit.systemCPUSeconds
        if format == .text, report.result == nil {
            report.result = Self.text(stdoutTail)
        }
        if let failure = exit.launchFailure {
            return Classification(outcome: .failed(Self.launchFailure(failure), report))
        }

        if let claude = claudeResult {
            return classifyClaude(claude, exit: exit, report: report, stdoutTail: stdoutTail, now: now)
        }
        if let failure = Self.refusal(exit: exit, stderrTail: stderrTail) {
            return Classification(outcome: .failed(failure, report))
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

    /// Claude Code refuses `--permission-mode bypassPermissions` (`--dangerously-skip-permissions`) when it
    /// runs as root, before it prints any result; every attempt on this worker would be refused alike.
    static func refusal(exit: ProcessExit, stderrTail: Data) -> AttemptFailure? {
        guard !exit.succeeded, let stderr = text(stderrTail), stderr.contains("cannot be used with root/sudo privileges")
        else { return nil }
        return AttemptFailure(
            kind: .invalidTask,
            message: "Claude Code refuses permission_mode bypassPermissions (--dangerously-skip-permissions) when it runs as root: run the worker as another user, or set IS_SANDBOX=1 in the profile's environment on a sandboxed host (\(oneLine(stderr)))"
        )
    }

    /// Claude Code's result: `is_error`, `subtype`, `api_error_status`, `api_error` and the result text.
    private func classifyClaude(
        _ claude: ClaudeResult, exit: ProcessExit, report: AgentReport, stdoutTail: Data, now: Date
    ) -> Classification {
        let text = claude.result ?? claude.errors?.joined(separator: "; ") ?? ""
        let line = Self.oneLine(text)
        func failure(_ kind: ErrorKind, _ message: String, hold: Date? = nil) -> Classification {
            Classification(outcome: .failed(AttemptFailure(kind: kind, message: message), report), holdUntil: hold)
        }
        if !claude.isError, claude.subtype == nil || claude.subtype == "success" {
            return Classification(outcome: .completed(report))
        }
        // A usage limit (subscription): wait for the reset, on every worker, without spending a retry.
        if claude.apiError == "usage_limit_reached" || text.hasPrefix("You've hit your") || text.contains("usage limit reached") {
            let reset = UsageLimitReset.parse(text, now: now) ?? now.addingTimeInterval(usageLimitFallbackSeconds)
            return Classification(outcome: .rateLimited(retryAt: reset, message: line, report), holdUntil: reset)
        }
        switch claude.subtype {
        case "error_max_turns":
            return failure(.maxTurns, "reached the task's max_turns (\(claude.numTurns ?? 0) turns)")
        case "error_max_budget_usd":
            return failure(.budgetExhausted, "reached the spending limit: \(line)")
        default:
            break
        }
        let status = claude.apiErrorStatus
        let lowered = text.lowercased()
        if status == 401 || status == 403 || claude.apiErrorType == "authentication_error"
            || claude.apiErrorType == "permission_error" || lowered.contains("invalid api key")
            || lowered.contains("please run /login") || lowered.contains("oauth token has expired")
        {
            return failure(.invalidCredentials, "invalid credentials: \(line)", hold: now.addingTimeInterval(credentialHoldSeconds))
        }
        if status == 429 || claude.apiErrorType == "rate_limit_error" {
            // The API's retry-after, where the CLI reported it (stream-json); else --rate-limit-wait.
            let asked = APIRetryHint.rateLimitDelay(in: stdoutTail)
            let reset = now.addingTimeInterval(asked ?? rateLimitFallbackSeconds)
            let source = asked.map { "the API asked to wait \(String(format: "%.1f", $0)) s" } ?? "no reset reported"
            return Classification(outcome: .rateLimited(retryAt: reset, message: "rate limited (\(source)): \(line)", report), holdUntil: reset)
        }
        if let status, [400, 404, 413, 422].contains(status) {
            return failure(.apiRejected, "the API refused the request (\(status)): \(line)")
        }
        if let status, status == 529 || status == 408 || status >= 500 {
            return failure(.transient, "API error \(status): \(line)")
        }
        if claude.apiError == "connection_failed" || claude.terminalReason == "api_error" || lowered.contains("overloaded")
            || lowered.contains("request timed out") || lowered.contains("connection")
        {
            return failure(.transient, line.isEmpty ? "the API could not be reached" : line)
        }
        let message = line.isEmpty ? "the agent reported an error (\(claude.subtype ?? "is_error"), \(exit.summary))" : line
        return failure(.agentError, message)
    }

    /// The agent never ran: its program, its folder or its command line was wrong. Nothing a retry changes,
    /// except a failure the system may not repeat (out of processes or memory).
    static func launchFailure(_ failure: ProcessExit.LaunchFailure) -> AttemptFailure {
        switch (failure.stage, failure.errorNumber) {
        case ("cwd", _):
            return AttemptFailure(kind: .invalidTask, message: "the working directory cannot be used: \(failure.message)")
        case ("exec", ENOENT):
            return AttemptFailure(kind: .executableNotFound, message: "the agent's program was not found: \(failure.message)")
        case ("exec", EACCES), ("exec", ENOEXEC):
            return AttemptFailure(kind: .executableNotFound, message: "the agent's program cannot be run: \(failure.message)")
        case ("exec", E2BIG):
            return AttemptFailure(
                kind: .invalidTask,
                message: "the agent's command line is too long to start (E2BIG): give the profile prompt_delivery stdin or shorten the prompt"
            )
        default:
            return AttemptFailure(kind: .crashed, message: "the agent could not be started (\(failure.stage)): \(failure.message)")
        }
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
