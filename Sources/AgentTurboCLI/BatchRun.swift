import AgentTurboAgents
import AgentTurboCore
import AgentTurboWorker
import Foundation
import Logging

/// Submits a batch and runs exactly that batch in this process, with a live progress line on a terminal;
/// shared by `run` and `demo`.
struct BatchRun {
    let store: any TaskStore
    let profiles: AgentProfiles
    var configuration: WorkerConfiguration
    let logger: Logger
    /// Shown before the progress counts.
    var label = ""

    /// Runs the tasks to the end (or until a signal stops the worker) and returns them as they ended.
    func execute(_ tasks: [NewTask]) async throws -> (tasks: [AgentTask], seconds: Double) {
        let batchID = "b" + TaskID.generate().dropFirst()
        var configuration = configuration
        configuration.batchID = batchID
        configuration.exitWhenIdle = true
        let submitted = try await store.submit(tasks.map { task in
            var task = task
            task.batchID = batchID
            return task
        }, by: "run")
        let start = ContinuousClock.now
        let worker = Worker(store: store, profiles: profiles, configuration: configuration, logger: logger)
        let progress = ProgressLine(store: store, batchID: batchID, total: submitted.count, label: label, start: start)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await progress.run() }
            try await WorkerRunner.run(worker, logger: logger)
            group.cancelAll()
        }
        progress.finish(await (try? store.statusCounts(batchID: batchID)) ?? [:])
        let seconds = (ContinuousClock.now - start).seconds
        var finished: [AgentTask] = []
        var after: String?
        repeat {
            let page = try await store.tasks(matching: TaskFilter(batchID: batchID, limit: 1000, after: after))
            finished += page
            after = page.count == 1000 ? page.last?.taskID : nil
        } while after != nil
        let order = Dictionary(uniqueKeysWithValues: submitted.enumerated().map { ($1.taskID, $0) })
        return (finished.sorted { order[$0.taskID, default: 0] < order[$1.taskID, default: 0] }, seconds)
    }
}

/// `12/40 done · 8 running · 1 failed · 19 waiting · 0:05` on stderr, redrawn in place, only on a terminal.
struct ProgressLine: Sendable {
    let store: any TaskStore
    let batchID: String
    let total: Int
    let label: String
    let start: ContinuousClock.Instant
    let enabled = isatty(STDERR_FILENO) == 1

    func run() async {
        guard enabled else { return }
        while !Task.isCancelled {
            if let counts = try? await store.statusCounts(batchID: batchID) {
                draw(counts)
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    func draw(_ counts: [TaskStatus: Int]) {
        let done = (counts[.completed] ?? 0) + (counts[.failed] ?? 0) + (counts[.cancelled] ?? 0)
        let elapsed = Int((ContinuousClock.now - start).seconds)
        var parts = ["\(done)/\(total) done", "\(counts[.running] ?? 0) running"]
        if let failed = counts[.failed], failed > 0 {
            parts.append("\(failed) failed")
        }
        parts.append("\(counts[.pending] ?? 0) waiting")
        parts.append(String(format: "%d:%02d", elapsed / 60, elapsed % 60))
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(label)\(parts.joined(separator: " · "))".utf8))
    }

    func finish(_ counts: [TaskStatus: Int]) {
        guard enabled else { return }
        draw(counts)
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
