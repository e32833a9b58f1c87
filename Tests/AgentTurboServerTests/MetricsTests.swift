import AgentTurboCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AgentTurboServer

@Suite("API: Prometheus metrics")
struct MetricsTests {
    @Test("/metrics parses as text format 0.0.4 with tasks by state, queue depth and wait, cost and per-profile quantiles")
    func exposition() async throws {
        try await ServerFixture.run { fixture, client in
            _ = try await fixture.store.submit(NewTask(taskID: "m1", taskDescription: "x", agent: "simulate"))
            _ = try await fixture.store.submit(NewTask(taskID: "m2", taskDescription: "later", runAfter: Date().addingTimeInterval(3600)))
            let ref = try await fixture.claim("m1")
            let report = AgentReport(
                result: "ok", costUSD: 0.25, inputTokens: 100, outputTokens: 40, peakMemoryBytes: 123_456_789,
                cpuUserSec: 1.5, cpuSystemSec: 0.5
            )
            try await fixture.store.finish(ref, .completed(report), retryPolicy: .standard)
            _ = try await fixture.store.submit(NewTask(taskID: "m3", taskDescription: "y"))

            let response = try await client.call(.get, "/metrics")
            #expect(response.status == 200)
            #expect(response.contentType.hasPrefix("text/plain; version=0.0.4"))
            let metrics = try PrometheusExposition(parsing: response.text)
            #expect(metrics.value("agent_turbo_tasks", ["status": "completed"]) == 1)
            #expect(metrics.value("agent_turbo_tasks", ["status": "pending"]) == 2)
            #expect(metrics.value("agent_turbo_tasks", ["status": "failed"]) == 0)
            #expect(metrics.types["agent_turbo_tasks"] == "gauge")
            #expect(metrics.value("agent_turbo_queue_ready") == 1)
            #expect(metrics.value("agent_turbo_queue_delayed") == 1)
            #expect(metrics.value("agent_turbo_completed_last_hour") == 1)
            #expect(metrics.value("agent_turbo_failed_last_hour") == 0)
            #expect(metrics.value("agent_turbo_cost_usd_total") == 0.25)
            #expect(metrics.value("agent_turbo_tokens_total", ["direction": "input"]) == 100)
            #expect(metrics.value("agent_turbo_workers_live") == 0)
            #expect(metrics.value("agent_turbo_agent_attempts_total", ["agent": "simulate"]) == 1)
            #expect(metrics.value("agent_turbo_agent_completed_total", ["agent": "simulate"]) == 1)
            #expect(metrics.types["agent_turbo_attempt_peak_memory_bytes"] == "summary")
            #expect(metrics.value("agent_turbo_attempt_peak_memory_bytes", ["agent": "simulate", "quantile": "0.5"]) == 123_456_789)
            #expect(metrics.value("agent_turbo_attempt_peak_memory_bytes", ["agent": "simulate", "quantile": "0.95"]) == 123_456_789)
            #expect(metrics.value("agent_turbo_attempt_peak_memory_bytes_count", ["agent": "simulate"]) == 1)
            #expect(metrics.value("agent_turbo_attempt_cpu_seconds", ["agent": "simulate", "quantile": "0.5"]) == 2)
            #expect(metrics.value("agent_turbo_attempt_duration_seconds_count", ["agent": "simulate"]) == 1)
            #expect(metrics.types["agent_turbo_queue_wait_seconds"] == "summary")
            #expect(metrics.value("agent_turbo_queue_wait_seconds_count") == 1)
            #expect((metrics.value("agent_turbo_queue_wait_seconds", ["quantile": "0.5"]) ?? -1) >= 0)
            for family in metrics.types.keys {
                #expect(metrics.helps[family] != nil, "\(family) has HELP")
            }
        }
    }

    @Test("Label values and help text are escaped; special floats are spelled as Prometheus reads them")
    func escaping() throws {
        var text = PrometheusText()
        text.family("demo_metric", .gauge, help: "line one\nback\\slash")
        text.sample("demo_metric", ["name": "say \"hi\"\nback\\slash"], 1.5)
        text.sample("demo_metric", ["name": "nan"], Double.nan)
        text.sample("demo_metric", ["name": "inf"], Double.infinity)
        #expect(text.text.contains(#"# HELP demo_metric line one\nback\\slash"#))
        #expect(text.text.contains(#"demo_metric{name="say \"hi\"\nback\\slash"} 1.5"#))
        let parsed = try PrometheusExposition(parsing: text.text)
        #expect(parsed.value("demo_metric", ["name": "say \"hi\"\nback\\slash"]) == 1.5)
        #expect(parsed.value("demo_metric", ["name": "nan"])?.isNaN == true)
        #expect(parsed.value("demo_metric", ["name": "inf"]) == .infinity)
    }
}
