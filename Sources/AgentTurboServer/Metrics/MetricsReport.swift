import AgentTurboCore
import Foundation

/// `/metrics`: the queue, cost and per agent profile figures of `stats`, plus the server's open log streams.
///
/// Totals (`_total`) are sums over the tasks the database holds, so `prune` lowers them; Prometheus takes that
/// as a counter reset. Per-profile time, memory and CPU are summaries with the median and p95 of the attempts
/// on record and their count.
enum MetricsReport {
    static func render(_ stats: QueueStats, logFollowers: Int) -> String {
        var out = PrometheusText()
        out.family("agent_turbo_tasks", .gauge, help: "Tasks by status.")
        for status in TaskStatus.allCases {
            out.sample("agent_turbo_tasks", ["status": status.rawValue], stats.count(status))
        }
        out.single("agent_turbo_queue_ready", .gauge, help: "Pending tasks whose run_after has passed.", Double(stats.ready))
        out.single("agent_turbo_queue_delayed", .gauge, help: "Pending tasks waiting for their run_after.", Double(stats.delayed))
        out.single(
            "agent_turbo_queue_oldest_ready_age_seconds", .gauge,
            help: "How long the oldest ready task has waited (0 when none is ready).",
            stats.oldestReadyAt.map { max(0, -$0.timeIntervalSinceNow) } ?? 0
        )
        out.single("agent_turbo_completed_last_minute", .gauge, help: "Tasks completed in the last minute.", Double(stats.completedLastMinute))
        out.single("agent_turbo_completed_last_hour", .gauge, help: "Tasks completed in the last hour.", Double(stats.completedLastHour))
        out.single("agent_turbo_failed_last_hour", .gauge, help: "Tasks that failed in the last hour.", Double(stats.failedLastHour))
        out.single("agent_turbo_cost_usd_total", .counter, help: "Cost of all recorded attempts in US dollars.", stats.totalCostUSD)
        out.family("agent_turbo_tokens_total", .counter, help: "Tokens of all recorded attempts.")
        out.sample("agent_turbo_tokens_total", ["direction": "input"], stats.totalInputTokens)
        out.sample("agent_turbo_tokens_total", ["direction": "output"], stats.totalOutputTokens)
        out.single("agent_turbo_workers_live", .gauge, help: "Workers with a recent heartbeat.", Double(stats.liveWorkers))
        out.single("agent_turbo_worktrees", .gauge, help: "Task worktrees on the hosts of live workers (running and kept).", Double(stats.worktrees))
        out.single("agent_turbo_worktree_bytes", .gauge, help: "Disk the task worktrees on live workers' hosts take, in bytes.", Double(stats.worktreeBytes))
        out.single("agent_turbo_spool_bytes", .gauge, help: "Disk the attempt spools (agent output) on live workers' hosts take, in bytes; each is removed once its attempt is recorded.", Double(stats.spoolBytes))
        if let wait = stats.queueWait {
            out.family("agent_turbo_queue_wait_seconds", .summary,
                       help: "From a task becoming ready to its attempt starting (wake-up latency while workers are idle).")
            out.sample("agent_turbo_queue_wait_seconds", ["quantile": "0.5"], wait.median)
            out.sample("agent_turbo_queue_wait_seconds", ["quantile": "0.95"], wait.p95)
            out.sample("agent_turbo_queue_wait_seconds_count", [:], wait.samples)
        }
        out.single("agent_turbo_http_log_streams", .gauge, help: "Followed logs (server-sent event streams) open on this server.", Double(logFollowers))
        renderAgents(stats.agents, into: &out)
        return out.text
    }

    private static func renderAgents(_ agents: [AgentStats], into out: inout PrometheusText) {
        guard !agents.isEmpty else { return }
        let counters: [(String, String, KeyPath<AgentStats, Int>)] = [
            ("agent_turbo_agent_attempts_total", "Finished attempts per agent profile.", \.attempts),
            ("agent_turbo_agent_completed_total", "Completed attempts per agent profile.", \.completed),
            ("agent_turbo_agent_failed_total", "Failed attempts per agent profile.", \.failed),
        ]
        for (name, help, keyPath) in counters {
            out.family(name, .counter, help: help)
            for agent in agents {
                out.sample(name, ["agent": agent.agent], agent[keyPath: keyPath])
            }
        }
        out.family("agent_turbo_agent_cost_usd_total", .counter, help: "Cost per agent profile in US dollars.")
        for agent in agents {
            out.sample("agent_turbo_agent_cost_usd_total", ["agent": agent.agent], agent.costUSD)
        }
        let summaries: [(String, String, KeyPath<AgentStats, Percentiles?>)] = [
            ("agent_turbo_attempt_duration_seconds", "Wall time of an attempt per agent profile.", \.duration),
            ("agent_turbo_attempt_peak_memory_bytes", "Peak resident memory of an attempt's largest process per agent profile.", \.peakMemoryBytes),
            ("agent_turbo_attempt_cpu_seconds", "User plus system CPU time of an attempt per agent profile.", \.cpuSec),
        ]
        for (name, help, keyPath) in summaries {
            let measured = agents.compactMap { agent in agent[keyPath: keyPath].map { (agent.agent, $0) } }
            guard !measured.isEmpty else { continue }
            out.family(name, .summary, help: help)
            for (agent, percentiles) in measured {
                out.sample(name, ["agent": agent, "quantile": "0.5"], percentiles.median)
                out.sample(name, ["agent": agent, "quantile": "0.95"], percentiles.p95)
                out.sample(name + "_count", ["agent": agent], percentiles.samples)
            }
        }
    }
}
