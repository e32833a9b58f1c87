import AgentTurboAgents
import AgentTurboCore
import AgentTurboSQL
import AgentTurboSQLite
import AgentTurboTestSupport
import Foundation
import Testing

/// Agents never wait for the database, and their outcome is what they did: another process holds SQLite's
/// write lock while agents print megabytes and end (issues: agents never wait for the database; exactly once
/// under pressure).
@Suite("Worker: the database held busy", .serialized)
struct DatabaseBusyTests {
    /// Holds the database's write lock from this process (BEGIN IMMEDIATE) for `seconds`.
    func holdWriteLock(_ home: WorkerHome, seconds: Double) async throws -> Task<Void, any Error> {
        let store = try #require(try await home.store() as? SQLTaskStore)
        let held = Flag()
        let holder = Task {
            try await store.database.write { _ in
                held.set()
                try await Task.sleep(for: .seconds(fractional: seconds))
            }
            try await store.close()
        }
        try await eventually("the write lock is held") { held.isSet }
        return holder
    }

    @Test("Four agents printing 5 MB each while another process holds the write lock all complete on their first attempt, with all their output")
    func writeLockHeld() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        // Their work takes about a second; their deadline is 4 s; the lock is held for 6 s.
        let ids = try (1...4).map { try home.submit("sleep=1 final-output=5000000 busy \($0)", ["--timeout", "4", "--retries", "0"]) }
        let worker = try home.startWorker(["--concurrency", "4"])
        let store = try await home.store()
        try await eventually("four agents started") { worker.agentGroups.count == 4 }
        let holder = try await holdWriteLock(home, seconds: 6)
        for id in ids {
            let task = try await store.waitForStatus(id, [.completed, .failed, .pending])
            #expect(task.status == .completed, "\(id): \(task.error ?? "")")
            #expect(task.attempt == 1)
            #expect(try await store.actions(for: id).map(\.action.rawValue) == ["created", "claimed", "completed"])
            let chunks = try await store.output(for: id, after: nil, limit: 10_000)
            #expect(chunks.map(\.sequence) == chunks.map(\.sequence).sorted(), "stored in order")
            let stdout = chunks.filter { $0.stream == .stdout }.reduce(into: Data()) { $0.append($1.data) }
            let filler = stdout.prefix(5_000_000)
            #expect(filler.count == 5_000_000)
            #expect(filler.allSatisfy { $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "\n") })
            #expect(String(decoding: stdout.suffix(from: 5_000_000), as: UTF8.self).contains("\"type\":\"result\""))
        }
        try await holder.value
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        try await store.close()
    }

    @Test("Agents that end before the drain's stop are recorded as they ended, not requeued, however long recording takes")
    func drainWhileBusy() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let ids = try (1...3).map { try home.submit("sleep=0.5 final-output=3000000 drain \($0)", ["--retries", "0"]) }
        let worker = try home.startWorker(["--concurrency", "3", "--shutdown-grace", "2s", "--kill-grace", "1s"])
        let store = try await home.store()
        try await eventually("three agents started") { worker.agentGroups.count == 3 }
        let holder = try await holdWriteLock(home, seconds: 5)
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        try await holder.value
        for id in ids {
            let task = try await store.existingTask(id)
            #expect(task.status == .completed, "\(id) is \(task.status): \(task.error ?? "")")
            #expect(try await store.actions(for: id).map(\.action.rawValue) == ["created", "claimed", "completed"])
        }
        try await store.close()
    }

    @Test("With more than 4,096 processes on the machine, a timed-out agent's setsid'd daemon is found and killed",
          .enabled(if: ProcessBackend.current == .linux))
    func manyProcesses() async throws {
        let home = try WorkerHome()
        defer { home.remove() }
        let crowd = try Crowd(size: 4200)
        defer { crowd.stop() }
        let id = try home.submit("sleep=300 daemon crowded", ["--timeout", "2", "--retries", "0"])
        let worker = try home.startWorker(["--kill-grace", "1s"])
        let store = try await home.store()
        let task = try await store.waitForStatus(id, [.failed, .completed])
        #expect(task.errorKind == .timeout)
        let daemon = try #require(daemonPID(in: try await store.outputText(id)))
        #expect(!ProcessTable.isAlive(daemon), "the daemon survived the timeout")
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0, "the worker stopped (no pipe held open forever)")
        try await store.close()
    }
}

/// Many idle processes, to crowd the process table.
struct Crowd {
    let pids: [pid_t]

    init(size: Int) throws {
        var pids: [pid_t] = []
        for _ in 0..<size {
            var pid: pid_t = 0
            var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("600"), nil]
            defer { argv.forEach { free($0) } }
            guard posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ) == 0 else {
                pids.forEach { kill($0, SIGKILL) }
                throw TestTimeout("could not start process \(pids.count + 1) of \(size)")
            }
            pids.append(pid)
        }
        self.pids = pids
    }

    func stop() {
        for pid in pids {
            kill(pid, SIGKILL)
        }
        for pid in pids {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

/// A flag one task sets and another polls.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
