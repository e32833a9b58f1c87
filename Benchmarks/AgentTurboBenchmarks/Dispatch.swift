import AgentTurboCore
import Foundation

/// Dispatch at the spawn limit (issue 13): how fast the queue starts and records real programs, against tools
/// that only start them.
enum Dispatch {
    /// 2,000 runs of `true` at 16 at once: Agent Turbo (SQLite with one worker; PostgreSQL with four workers of
    /// 4) against `xargs -P16` and GNU `parallel -j16`.
    static func rate(tasks: Int = 2000) async throws -> ResultTable {
        var table = ResultTable(
            title: "Dispatch: \(tasks) runs of `true`, 16 at once",
            headers: ["runner", "wall time", "runs/s", "vs GNU parallel", "vs xargs -P16"]
        )
        let xargs = Double(tasks) / (try await RealPrograms.shell("seq \(tasks) | xargs -P16 -n1 /bin/true"))
        let parallel = RealPrograms.hasGNUParallel
            ? Double(tasks) / (try await RealPrograms.shell("seq \(tasks) | parallel --will-cite -j16 /bin/true"))
            : .nan
        func add(_ name: String, _ rate: Double) {
            table.add([name, format(Double(tasks) / rate, 2) + " s", format(rate, 0), format(rate / parallel, 2) + "x", format(rate / xargs, 2) + "x"])
        }
        add("xargs -P16", xargs)
        if RealPrograms.hasGNUParallel {
            add("GNU parallel -j16", parallel)
        }
        for engine in BenchEngine.available {
            let workers = engine == .sqlite ? 1 : 4
            let elapsed = try await RealPrograms.drain(
                RealPrograms.trueTasks(tasks), engine: engine, workers: workers, concurrency: 16 / workers
            )
            add("agent-turbo, \(engine.rawValue), \(workers) worker\(workers == 1 ? "" : "s") × \(16 / workers)", Double(tasks) / elapsed)
        }
        return table
    }

    /// 256 runs of `sleep 1` at 64 at once: ideally 4 s; how close Agent Turbo and xargs come.
    static func efficiency(tasks: Int = 256, concurrency: Int = 64) async throws -> ResultTable {
        let ideal = Double(tasks / concurrency)
        var table = ResultTable(
            title: "Parallel efficiency: \(tasks) runs of `sleep 1`, \(concurrency) at once (ideal \(format(ideal, 0)) s)",
            headers: ["runner", "wall time", "efficiency (ideal / wall)", "vs xargs"]
        )
        let xargs = try await RealPrograms.shell("seq \(tasks) | xargs -P\(concurrency) -n1 sh -c 'exec /bin/sleep 1'")
        table.add(["xargs -P\(concurrency)", format(xargs) + " s", format(100 * ideal / xargs, 1) + "%", "1.00x"])
        for engine in BenchEngine.available {
            let workers = engine == .sqlite ? 1 : 4
            let elapsed = try await RealPrograms.drain(
                RealPrograms.sleepTasks(tasks, seconds: 1), engine: engine, workers: workers, concurrency: concurrency / workers
            )
            table.add([
                "agent-turbo, \(engine.rawValue), \(workers) × \(concurrency / workers)", format(elapsed) + " s",
                format(100 * ideal / elapsed, 1) + "%", format(xargs / elapsed, 2) + "x",
            ])
        }
        return table
    }

    /// Memory of the worker and its supervisors while 64 agents (`sleep`) run: proportional set size (shared
    /// pages split among the processes that share them) and resident set.
    static func memory(agents: Int = 64) async throws -> ResultTable {
        var table = ResultTable(
            title: "Memory with \(agents) agents running (`sleep 60`, one worker, SQLite)",
            headers: ["what", "processes", "PSS", "RSS"]
        )
        let scratch = try Scratch("memory")
        defer { scratch.remove() }
        let (url, store) = try await BenchEngine.sqlite.fresh(scratch)
        _ = try await store.submit(RealPrograms.sleepTasks(agents, seconds: 60), by: "bench")
        let worker = try AgentTurboBinary.start(
            ["worker", "--config", try RealPrograms.config(in: scratch), "--concurrency", String(agents)],
            environment: ["AGENT_TURBO_HOME": scratch.path, "AGENT_TURBO_DATABASE_URL": url]
        )
        defer { kill(worker.processIdentifier, SIGKILL) }
        var supervisors: [Int32] = []
        while supervisors.filter({ !ProcessMemory.children(of: $0).isEmpty }).count < agents {
            try await Task.sleep(for: .milliseconds(200))
            supervisors = ProcessMemory.children(of: worker.processIdentifier).filter { ProcessMemory.name(of: $0) == "agent-turbo-sup" }
        }
        // Let the worker settle (its first renewals, output shipping loops) before reading it.
        try await Task.sleep(for: .seconds(2))
        let workerUse = ProcessMemory.use(of: [worker.processIdentifier])
        let supervisorUse = ProcessMemory.use(of: supervisors)
        table.add(["worker", "1", ProcessMemory.megabytes(workerUse.pss), ProcessMemory.megabytes(workerUse.rss)])
        table.add([
            "supervisors", String(supervisors.count), ProcessMemory.megabytes(supervisorUse.pss),
            ProcessMemory.megabytes(supervisorUse.rss),
        ])
        table.add([
            "worker + supervisors", String(supervisors.count + 1), ProcessMemory.megabytes(workerUse.pss + supervisorUse.pss),
            ProcessMemory.megabytes(workerUse.rss + supervisorUse.rss),
        ])
        try await store.close()
        return table
    }
}

/// What /proc says about a process's memory and children (Linux).
enum ProcessMemory {
    /// Children of every thread of `pid`: a child is listed under the thread that started it, and the worker
    /// starts supervisors from its concurrency threads, not the main one.
    static func children(of pid: Int32) -> [Int32] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.flatMap { thread -> [Int32] in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/children", encoding: .utf8) else { return [] }
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    static func name(of pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Summed proportional and resident set sizes, in bytes.
    static func use(of pids: [Int32]) -> (pss: Int, rss: Int) {
        var pss = 0
        var rss = 0
        for pid in pids {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                guard words.count >= 2, let kib = Int(words[1]) else { continue }
                if words[0] == "Pss:" {
                    pss += kib * 1024
                } else if words[0] == "Rss:" {
                    rss += kib * 1024
                }
            }
        }
        return (pss, rss)
    }

    static func megabytes(_ bytes: Int) -> String {
        format(Double(bytes) / 1_000_000, 1) + " MB"
    }
}
