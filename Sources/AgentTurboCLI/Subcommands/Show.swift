import AgentTurboCore
import AgentTurboSQL
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `show`: one task with its attempts and audit trail.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one task with its attempts and audit trail.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The task id.")
        var id: String

        @Flag(name: .long, help: "Print a JSON object: the task's columns plus attempts and actions.")
        var json = false

        func run() async throws {
            let detail = try await global.withStore { store in
                try await store.detail(of: id)
            }
            if json {
                try JSONOutput.print(detail)
                return
            }
            print(detail.text())
        }
    }
}

extension TaskDetail {
    /// The task as `show` prints it on a terminal.
    func text() -> String {
        var lines: [(String, String)] = [
            ("task_id", task.taskID),
            ("status", task.status.rawValue + (task.cancelRequested && task.status == .running ? " (cancel requested)" : "")),
            ("agent", task.agent),
            ("task_type", task.taskType),
            ("task_priority", String(task.taskPriority)),
            ("attempts", "\(task.attempt) (retries used \(task.retryCount) of \(task.maxRetries))"),
            ("timeout_seconds", String(task.timeoutSeconds)),
            ("working_dir", task.worktree ? "(its own worktree)" : task.workingDir ?? "(the worker's)"),
            ("created_at", Formatting.time(task.createdAt)),
            ("run_after", Formatting.time(task.runAfter) + " (\(Formatting.relative(task.runAfter)))"),
        ] + workspaceLines()
        if let hold {
            lines.append((
                "waiting",
                "held back until \(Formatting.time(hold.until)) (\(Formatting.relative(hold.until))): \(hold.reason) (profile \(hold.agent); `agent-turbo hold clear \(hold.agent)` ends it)"
            ))
        }
        if !task.agentOptions.isEmpty, let data = try? JSONOutput.compact(task.agentOptions) {
            lines.append(("agent_options", data))
        }
        if let worker = task.assignedWorkerID {
            lines.append(("assigned_worker_id", worker))
        }
        if let started = task.startedAt {
            lines.append(("started_at", Formatting.time(started)))
        }
        if let lease = task.leaseExpiresAt {
            lines.append(("lease_expires_at", Formatting.time(lease) + " (\(Formatting.relative(lease)))"))
        }
        if let completed = task.completedAt {
            lines.append(("completed_at", Formatting.time(completed)))
        }
        if let duration = task.durationSec {
            lines.append(("duration_sec", Formatting.seconds(duration)))
        }
        if task.rateLimitedSec > 0 {
            lines.append(("rate_limited_sec", Formatting.seconds(task.rateLimitedSec)))
        }
        if let code = task.exitCode {
            lines.append(("exit_code", String(code)))
        }
        if let kind = task.errorKind {
            lines.append(("error_kind", kind.rawValue))
        }
        if let error = task.error {
            lines.append(("error", error))
        }
        if let session = task.sessionID {
            lines.append(("session_id", session))
        }
        if task.costUSD != nil || task.numTurns != nil {
            lines.append(("cost_usd", Formatting.cost(task.costUSD)))
            lines.append(("tokens", "\(task.inputTokens.map(String.init) ?? "-") in, \(task.outputTokens.map(String.init) ?? "-") out"))
            lines.append(("num_turns", task.numTurns.map(String.init) ?? "-"))
        }
        if let text = task.progress, let data = text.data(using: .utf8),
            let progress = try? JSONDecoder().decode(AgentProgress.self, from: data)
        {
            lines.append(("progress", (task.status == .running ? "" : "at the end: ") + progress.summary))
        }
        if let peak = task.peakMemoryBytes {
            lines.append(("peak_memory", Formatting.bytes(Double(peak))))
            lines.append(("cpu", "\(Formatting.seconds(task.cpuUserSec)) user, \(Formatting.seconds(task.cpuSystemSec)) system"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        var text = lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
        text += "\n\nPrompt:\n" + task.taskDescription.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "  " + $0 }.joined(separator: "\n")
        if let result = task.result {
            text += "\n\nResult:\n" + result.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "  " + $0 }.joined(separator: "\n")
        }
        if !attempts.isEmpty {
            var table = TextTable(["#", "WORKER", "STARTED", "OUTCOME", "DURATION", "EXIT", "COST", "PEAK MEM", "CPU"], rightAligned: [0, 4, 5, 6, 7, 8])
            for attempt in attempts {
                let cpu = attempt.cpuUserSec.map { $0 + (attempt.cpuSystemSec ?? 0) }
                table.add([
                    String(attempt.attempt), attempt.workerID, Formatting.time(attempt.startedAt), attempt.outcome,
                    Formatting.seconds(attempt.durationSec), attempt.exitCode.map(String.init) ?? "-",
                    Formatting.cost(attempt.costUSD), Formatting.bytes(attempt.peakMemoryBytes.map(Double.init)),
                    Formatting.seconds(cpu),
                ])
            }
            text += "\n\nAttempts:\n" + table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        }
        var audit = TextTable(["TIME", "ACTION", "WORKER", "DETAILS"])
        for action in actions {
            audit.add([Formatting.time(action.createdAt), action.action.rawValue, action.workerID ?? "-", action.details ?? ""])
        }
        text += "\n\nAudit trail:\n" + audit.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return text
    }
}
