import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// `MemAvailable` in bytes, as the worker reads it.
func availableMemory() -> Int64 {
    let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") } ?? ""
    return (line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0) * 1024
}

@Suite("Worker: resources per attempt and admission by free memory", .serialized)
struct ResourceTests {
    @Test("Peak memory, CPU and wall time come from the kernel's accounting of the agent")
    func accounting() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let memory = try home.submit("memory=500 sleep=0.3 hold 500 MiB", ["--id", "mem"])
        let cpu = try home.submit("cpu=2 burn two CPU seconds", ["--id", "cpu"])
        let worker = try home.startWorker(["--concurrency", "2"])
        let store = try await home.store()
        let held = try await store.waitForStatus(memory, [.completed, .failed])
        let burned = try await store.waitForStatus(cpu, [.completed, .failed])
        worker.signal(SIGTERM)
        try await worker.wait()

        let mib = 1 << 20
        let peak = try #require(held.peakMemoryBytes)
        #expect(peak >= 500 * mib && peak <= 550 * mib, "peak \(peak / mib) MiB should be within 10% of 500 MiB")
        let used = (burned.cpuUserSec ?? 0) + (burned.cpuSystemSec ?? 0)
        #expect(used >= 1.9 && used <= 2.6, "CPU \(used) s should be close to the 2 s burned")
        #expect(used <= (burned.durationSec ?? 0) + 0.05, "CPU time cannot exceed the wall time of a one-thread agent")
        #expect((held.cpuUserSec ?? 0) + (held.cpuSystemSec ?? 0) < 1.5, "a sleeping agent uses little CPU")

        let attempt = try #require(try await store.attempts(for: memory).first)
        #expect(attempt.peakMemoryBytes == peak)
        #expect(attempt.durationSec != nil)

        let shown = try home.cli.run(["show", memory])
        #expect(shown.stdout.contains("peak_memory"))
        #expect(shown.stdout.contains("MiB"))
        let json = try home.cli.run(["show", cpu, "--json"])
        #expect(json.stdout.contains("\"cpu_user_sec\""))
        #expect(json.stdout.contains("\"peak_memory_bytes\""))

        let stats = try decodeStats(home.cli.run(["stats", "--json"]))
        let simulate = try #require(stats.agents.first { $0.agent == "simulate" })
        #expect(simulate.attempts == 2)
        #expect((simulate.peakMemoryBytes?.p95 ?? 0) >= Double(500 * mib))
        #expect((simulate.cpuSec?.p95 ?? 0) >= 1.9)
        let text = try home.cli.run(["stats"]).stdout
        #expect(text.contains("MEM p95"))
        #expect(text.contains("CPU p95"))
        try await store.close()
    }

    @Test("Below its free-memory floor a worker starts nothing, says why, and starts again when memory frees")
    func admissionByFreeMemory() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let before = availableMemory()
        // Another process takes 4 GiB; the floor sits halfway, 2 GiB below what was free before.
        let hog = try WorkerProcess(home.cli, ["__simulate-agent", "memory=4096", "sleep=600", "hog"])
        try await eventually("the hog holds its memory") { availableMemory() < before - (3 << 30) }
        let floor = (before + availableMemory()) / 2
        let id = try home.submit("sleep=0.2 after the hog")
        let worker = try home.startWorker(["--min-free-memory", String(floor)])
        let store = try await home.store()
        try await eventually("the worker says why it holds back") {
            try await store.workers().first?.holdReason?.contains("below the floor") == true
        }
        let listing = try home.cli.run(["workers"]).stdout
        #expect(listing.contains("below the floor"))
        #expect(try await store.existingTask(id).status == .pending, "nothing was claimed below the floor")
        #expect(try await store.existingTask(id).attempt == 0)

        hog.signal(SIGKILL)
        _ = try await hog.wait()
        let task = try await store.waitForStatus(id, [.completed, .failed])
        #expect(task.status == .completed)
        try await eventually("the hold reason is cleared") { try await store.workers().first?.holdReason == nil }
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }
}

func decodeStats(_ result: CLIRunner.Result) throws -> QueueStats {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
        Timestamp.parse(try decoder.singleValueContainer().decode(String.self)) ?? Date()
    }
    return try decoder.decode(QueueStats.self, from: result.stdoutData)
}
