import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Worker: running agents in parallel", .serialized)
struct ParallelRunTests {
    @Test("Eight 2-second simulated tasks at concurrency 8 all run at one instant")
    func eightAtOnce() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let log = home.directory.file("runs.log")
        let ids = try (1...8).map { try home.submit("sleep=2 write=\(log) task \($0)") }
        let worker = try home.startWorker(["--concurrency", "8"])
        let store = try await home.store()
        for id in ids {
            _ = try await store.waitForStatus(id, [.completed, .failed])
        }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        let runs = WrittenRun.read(log)
        #expect(Set(runs.map(\.taskID)) == Set(ids))
        #expect(runs.count == 8)
        // The agents' own clocks: the latest start comes before the earliest end, so all eight ran at once.
        let latestStart = try #require(runs.map(\.start).max())
        let earliestEnd = try #require(runs.map(\.end).min())
        #expect(latestStart < earliestEnd)
        var attempts: [AttemptRecord] = []
        for id in ids {
            let task = try await store.existingTask(id)
            #expect(task.status == .completed)
            attempts += try await store.attempts(for: id)
        }
        let recordedStart = try #require(attempts.map(\.startedAt).max())
        let recordedEnd = try #require(attempts.compactMap(\.finishedAt).min())
        #expect(recordedStart < recordedEnd, "the recorded run intervals share a point")
        try await store.close()
    }

    @Test("Two worker processes on one SQLite file never run the same task")
    func twoProcesses() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let log = home.directory.file("claims.log")
        let first = try home.startWorker(["--concurrency", "4", "--worker-id", "first"])
        let second = try home.startWorker(["--concurrency", "4", "--worker-id", "second"])
        let store = try await home.store()
        try await eventually("both workers registered") {
            try await store.workers().filter { $0.state == .running }.count == 2
        }
        let lines = (1...200).map { #"{"task_description": "write=\#(log) n\#($0)", "agent": "simulate"}"# }
        let file = home.directory.file("tasks.jsonl")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try home.cli.run(["submit", "--file", file]).status == 0)
        try await eventually("all 200 tasks completed", timeout: 300) {
            try await store.statusCounts(batchID: nil)[.completed] == 200
        }
        first.signal(SIGTERM)
        second.signal(SIGTERM)
        #expect(try await first.wait() == 0)
        #expect(try await second.wait() == 0)
        let runs = WrittenRun.read(log)
        #expect(runs.count == 200)
        #expect(Set(runs.map(\.taskID)).count == 200, "no task ran twice")
        let tasks = try await store.tasks(matching: TaskFilter(limit: 1000))
        #expect(tasks.allSatisfy { $0.attempt == 1 && $0.status == .completed })
        #expect(Set(tasks.compactMap(\.assignedWorkerID)) == ["first", "second"], "both workers took part")
        try await store.close()
    }

    @Test("A task submitted by another process wakes an idle SQLite worker without waiting for its poll, also after the wake file was deleted")
    func crossProcessWakeUp() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        // A poll every ten minutes: only the wake file can start this task in time.
        let worker = try WorkerProcess(home.cli, ["worker", "--poll-interval", "600s"])
        let store = try await home.store()
        try await eventually("the worker is idle") { worker.logText.contains("worker started") }
        try await Task.sleep(for: .milliseconds(500))
        let id = try home.submit("sleep=0.1 woken")
        let task = try await store.waitForStatus(id, [.completed, .failed], timeout: 120)
        #expect(task.status == .completed)
        // A wake file deleted under a running worker (a cleanup job) is made again by the next submit, and seen.
        try FileManager.default.removeItem(atPath: home.directory.file("turbo.db-wake"))
        let second = try home.submit("sleep=0.1 woken again")
        #expect(try await store.waitForStatus(second, [.completed, .failed], timeout: 120).status == .completed)
        worker.signal(SIGTERM)
        try await worker.wait()
        try await store.close()
    }

    @Test("demo runs on a fresh home with no agent CLI installed")
    func demo() throws {
        let home = try WorkerHome(environment: ["PATH": "/usr/bin:/bin"])
        defer { home.remove() }
        let result = try home.cli.run(["demo", "--tasks", "3", "--seconds", "0.5"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("One at a time:"))
        #expect(result.stdout.contains("3 at once:"))
        #expect(result.stdout.contains("Speed-up:"))
        #expect(result.stdout.contains("completed"))
    }

    @Test("run submits a batch, runs only it, prints a summary and exits 1 when a task failed")
    func runCommand() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let other = try home.submit("not part of the batch")
        let good = """
            {"task_id": "a", "task_description": "result=four 2+2"}
            {"task_id": "b", "task_description": "sleep=0.3 result=ok"}
            """
        let passing = try home.cli.run(["run", "-", "--agent", "simulate", "--concurrency", "2"], stdin: Data(good.utf8))
        #expect(passing.status == 0, "\(passing.stderr)")
        #expect(passing.stdout.contains("completed"))
        #expect(passing.stdout.contains("four"))
        #expect(passing.stdout.contains("2 tasks: 2 completed"))
        let failing = """
            {"task_id": "c", "task_description": "result=fine"}
            {"task_id": "d", "task_description": "exit=2", "max_retries": 0}
            """
        let failed = try home.cli.run(["run", "-", "--agent", "simulate"], stdin: Data(failing.utf8))
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("1 completed, 1 failed"))
        let store = try await home.store()
        #expect(try await store.existingTask(other).status == .pending, "run leaves other tasks alone")
        try await store.close()
    }
}
