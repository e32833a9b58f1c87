import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `stats`: counts, throughput, cost, and per-profile time, memory and CPU.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Task counts, throughput, cost, and per agent profile the median and p95 of time, memory and CPU."
        )

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print a JSON object.")
        var json = false

        func run() async throws {
            let stats = try await global.withStore { try await $0.stats() }
            if json {
                try JSONOutput.print(stats)
                return
            }
            let counts = TaskStatus.allCases.map { "\($0.rawValue) \(stats.count($0))" }.joined(separator: ", ")
            print("Tasks:      \(counts)")
            print("Queue:      \(stats.ready) ready, \(stats.delayed) waiting for run_after"
                + (stats.oldestReadyAt.map { ", oldest ready since \(Formatting.relative($0))" } ?? ""))
            print("Throughput: \(stats.completedLastMinute) completed in the last minute, \(stats.completedLastHour) in the last hour, \(stats.failedLastHour) failed in the last hour")
            print("Cost:       \(Formatting.cost(stats.totalCostUSD)), \(stats.totalInputTokens) input and \(stats.totalOutputTokens) output tokens")
            print("Workers:    \(stats.liveWorkers) live"
                + (stats.worktrees > 0 ? ", \(stats.worktrees) task worktree\(stats.worktrees == 1 ? "" : "s") on their hosts (\(Formatting.bytes(Double(stats.worktreeBytes))))" : "")
                + (stats.spoolBytes > 0 ? ", \(Formatting.bytes(Double(stats.spoolBytes))) of agent output spooled on their hosts" : ""))
            for hold in stats.holds {
                print("Held back:  " + hold.text)
            }
            if let wait = stats.queueWait {
                print("Queue wait: \(Formatting.seconds(wait.median)) median, \(Formatting.seconds(wait.p95)) p95 from ready to started (last \(wait.samples) attempts)")
            }
            guard !stats.agents.isEmpty else { return }
            var table = TextTable(
                ["AGENT", "ATTEMPTS", "OK", "FAILED", "COST", "TIME p50", "TIME p95", "MEM p50", "MEM p95", "CPU p50", "CPU p95"],
                rightAligned: Set(1...10)
            )
            for agent in stats.agents {
                table.add([
                    agent.agent, String(agent.attempts), String(agent.completed), String(agent.failed),
                    Formatting.cost(agent.costUSD),
                    Formatting.seconds(agent.duration?.median), Formatting.seconds(agent.duration?.p95),
                    Formatting.bytes(agent.peakMemoryBytes?.median), Formatting.bytes(agent.peakMemoryBytes?.p95),
                    Formatting.seconds(agent.cpuSec?.median), Formatting.seconds(agent.cpuSec?.p95),
                ])
            }
            print("\n" + table.render())
        }
    }
}
