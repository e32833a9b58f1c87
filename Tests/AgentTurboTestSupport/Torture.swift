import AgentTurboCore
import Foundation
import Testing

/// A bounded torture run (issue: exactly once under pressure): several worker processes, `kill -9` of some of
/// them (each replaced at once), a CPU burner on every core, and whatever `disrupt` adds (a database restart),
/// while simulated agents append one line per finished run to a log. What it checks are counts, never times:
/// every task completed, none twice, no task ran twice unless the run before was on a worker that was killed,
/// no two agents ran one task at once, and no agent outlived its killed worker.
public struct TortureRun {
    public var ids: [String]
    public var log: String
    public var workers = 3
    public var kills = 3
    public var startWorker: (String) throws -> WorkerProcess
    /// Called after each kill with its round (1...kills).
    public var disrupt: (Int) async throws -> Void = { _ in }

    public init(ids: [String], log: String, startWorker: @escaping (String) throws -> WorkerProcess) {
        self.ids = ids
        self.log = log
        self.startWorker = startWorker
    }

    /// The prompts of the tasks to submit: a short random piece of work, a grandchild, a line in the log.
    public static func prompts(count: Int, log: String) -> [String] {
        (1...count).map { "sleep=\(Double.random(in: 0.2...1.5)) grandchild write=\(log) torture \($0)" }
    }

    public func run(_ store: any TaskStore) async throws {
        let burners = try CPUBurner.start(count: ProcessInfo.processInfo.activeProcessorCount + 1)
        defer { burners.stop() }
        var live: [String: WorkerProcess] = [:]
        for index in 1...workers {
            live["w\(index)"] = try startWorker("w\(index)")
        }
        var killed: Set<String> = []
        for round in 1...kills {
            let goal = ids.count * round / (kills + 1)
            try await eventually("\(goal) tasks completed before kill \(round)", timeout: 300, every: .milliseconds(200)) {
                (try? await store.statusCounts(batchID: nil)[.completed] ?? 0) ?? 0 >= goal
            }
            let victim = live.keys.sorted()[round % live.count]
            let worker = live.removeValue(forKey: victim)!
            let groups = worker.agentGroups.values.flatMap { $0 }
            worker.signal(SIGKILL)
            _ = try await worker.wait()
            killed.insert(victim)
            try await eventually("every agent of the killed worker \(victim) is gone", timeout: 30) {
                groups.allSatisfy { ProcessTable.members(ofGroup: $0).isEmpty }
            }
            live["r\(round)"] = try startWorker("r\(round)")
            try await disrupt(round)
        }
        try await eventually("every task completed", timeout: 600, every: .milliseconds(500)) {
            (try? await store.statusCounts(batchID: nil)[.completed] ?? 0) == ids.count
        }
        for worker in live.values {
            worker.signal(SIGTERM)
        }
        for (id, worker) in live {
            let status = try await worker.wait()
            if status != 0 {
                Issue.record("worker \(id) ended with \(status); its log ends:\n\(worker.logText.split(separator: "\n").suffix(15).joined(separator: "\n"))")
            }
        }
        try await check(store, killed: killed)
    }

    private func check(_ store: any TaskStore, killed: Set<String>) async throws {
        let runs = Dictionary(grouping: WrittenRun.read(log), by: \.taskID)
        for id in ids {
            let task = try await store.existingTask(id)
            #expect(task.status == .completed, "\(id) is \(task.status)")
            let completions = try await store.actions(for: id).filter { $0.action == .completed }.count
            #expect(completions == 1, "\(id) completed \(completions) times")
            let attempts = try await store.attempts(for: id)
            let workerOf = Dictionary(uniqueKeysWithValues: attempts.map { ($0.attempt, $0.workerID) })
            let mine = runs[id] ?? []
            #expect(!mine.isEmpty, "\(id) has no finished run in the log")
            #expect(Set(mine.map(\.attempt)).count == mine.count, "an attempt of \(id) ran twice")
            for run in mine where run.attempt != task.attempt {
                let worker = workerOf[run.attempt] ?? "?"
                #expect(killed.contains(worker), "\(id) ran again after attempt \(run.attempt) finished its run on \(worker), which was not killed")
            }
            let ordered = mine.sorted { $0.start < $1.start }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) {
                #expect(earlier.end <= later.start, "two agents ran \(id) at once")
            }
        }
    }
}

/// Lines `write=PATH` simulated agents appended: task id, attempt and the interval the agent ran.
public struct WrittenRun: Sendable {
    public var taskID: String
    public var attempt: Int
    public var start: Double
    public var end: Double

    public static func read(_ path: String) -> [WrittenRun] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count >= 8, let attempt = Int(words[2]), let start = Double(words[6]), let end = Double(words[7])
            else { return nil }
            return WrittenRun(taskID: String(words[0]), attempt: attempt, start: start, end: end)
        }
    }
}

/// Processes that keep every core busy, as an operator's other work would.
public struct CPUBurner {
    let processes: [Process]

    public static func start(count: Int) throws -> CPUBurner {
        let processes = try (0..<count).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "while :; do :; done"]
            try process.run()
            return process
        }
        return CPUBurner(processes: processes)
    }

    public func stop() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }
}
