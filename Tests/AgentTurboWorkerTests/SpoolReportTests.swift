import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

/// The disk that spooled output takes is reported: each heartbeat measures the spools under the run directory,
/// `workers` and `stats` show it, and it falls back to nothing once the attempt is recorded and its spool removed.
@Suite("Worker: spooled output reported", .serialized)
struct SpoolReportTests {
    @Test("A running agent's spool shows in workers and stats, and is gone once its attempt is recorded")
    func spoolBytesReported() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let id = try home.submit("output=400000 sleep=300 spooling", ["--retries", "0"])
        // A short lease: heartbeats every second.
        let worker = try home.startWorker(["--lease", "4s"])
        let store = try await home.store()
        try await eventually("the heartbeat reports the agent's 400 KB spool") {
            try await store.workers().first?.spoolBytes ?? 0 >= 400_000
        }
        #expect(try await store.stats().spoolBytes >= 400_000)

        _ = try await store.cancel(id, reason: "done looking", by: "test")
        let task = try await store.waitForStatus(id, [.cancelled, .failed, .completed])
        #expect(task.status == .cancelled)
        try await eventually("the spool is removed and the next heartbeat says so") {
            try await store.workers().first?.spoolBytes == 0
        }
        #expect(try await store.stats().spoolBytes == 0)
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        try await store.close()
    }
}
