import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Worker: torture", .serialized)
struct TortureTests {
    @Test("Three workers under a CPU burner, three of them killed with -9: every task completed once, none ran twice but after a kill")
    func sqlite() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let log = home.directory.file("runs.log")
        let ids = try TortureRun.prompts(count: 120, log: log).map { try home.submit($0, ["--retries", "5"]) }
        let store = try await home.store()
        let run = TortureRun(ids: ids, log: log) { id in
            try home.startWorker(["--worker-id", id, "--concurrency", "4", "--lease", "10s", "--kill-grace", "1s"])
        }
        try await run.run(store)
        try await store.close()
    }
}
