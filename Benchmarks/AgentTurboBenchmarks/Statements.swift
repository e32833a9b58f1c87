import AgentTurboAgents
import AgentTurboCore
import AgentTurboSQL
import AgentTurboWorker
import Foundation
import Logging
import Synchronization

/// Statements and transactions per task as a real worker runs them (`true` at 16 at once, in this process,
/// through a database wrapper that counts): claims, attempt rows, output, finishes, renewals, heartbeats.
enum Statements {
    static func perTask(tasks: Int = 1000) async throws -> ResultTable {
        var table = ResultTable(
            title: "Statements per task: \(tasks) runs of `true`, one worker at 16",
            headers: ["engine", "statements per task", "transactions per task", "claims (transactions)", "finishes (transactions)"]
        )
        for engine in BenchEngine.available {
            let scratch = try Scratch("statements")
            defer { scratch.remove() }
            let (_, plain) = try await engine.fresh(scratch)
            let real = try await plain.submit(RealPrograms.trueTasks(tasks), by: "bench")
            _ = real
            guard let sql = plain as? SQLTaskStore else { throw BenchFailure("not a SQL store") }
            let counting = CountingDatabase(sql.database)
            let store = SQLTaskStore(database: counting)
            var configuration = WorkerConfiguration(workerID: "bench", runDirectory: scratch.path + "/run")
            configuration.concurrency = 16
            configuration.exitWhenIdle = true
            configuration.pollInterval = 0.5
            let profiles = AgentProfiles(
                BuiltinProfiles.all + [AgentProfile(name: "true", executable: "/bin/true", arguments: [], style: .plain, outputFormat: .text)]
            )
            let worker = Worker(store: store, profiles: profiles, configuration: configuration, logger: BenchEngine.quiet)
            try await worker.run()
            let done = try await plain.statusCounts(batchID: nil)[.completed] ?? 0
            guard done == tasks else { throw BenchFailure("\(done) of \(tasks) tasks completed") }
            let counts = counting.counts
            table.add([
                engine.rawValue, format(Double(counts.statements) / Double(tasks), 2),
                format(Double(counts.transactions) / Double(tasks), 2),
                String(counts.claims), String(counts.finishes),
            ])
            try await plain.close()
        }
        return table
    }
}

/// A database that counts what goes through it.
final class CountingDatabase: SQLDatabase {
    let inner: any SQLDatabase
    private let tally = Mutex(Counts())

    struct Counts {
        var statements = 0
        var transactions = 0
        var claims = 0
        var finishes = 0
    }

    init(_ inner: any SQLDatabase) {
        self.inner = inner
    }

    var counts: Counts { tally.withLock { $0 } }
    var dialect: any SQLDialect { inner.dialect }
    var location: String { inner.location }

    func write<T: Sendable>(_ options: TransactionOptions, _ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await inner.write(options) { connection in
            try await body(CountingConnection(inner: connection, database: self))
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await inner.read { connection in
            try await body(CountingConnection(inner: connection, database: self))
        }
    }

    func publish(_ events: [StoreEvent]) { inner.publish(events) }
    func events() -> AsyncStream<StoreEvent> { inner.events() }
    func close() async throws { try await inner.close() }

    /// BEGIN and COMMIT count as statements too: each is a round trip.
    fileprivate func count(_ sql: String, first: Bool) {
        tally.withLock { tally in
            tally.statements += first ? 3 : 1
            if first {
                tally.transactions += 1
                if sql.contains("WITH picked AS") {
                    tally.claims += 1
                } else if sql.hasPrefix("SELECT") && sql.contains("ORDER BY task_id") {
                    tally.finishes += 1
                }
            }
        }
    }
}

/// A connection that tells its database of every statement; the first one of a transaction counts it.
final class CountingConnection: SQLConnection, @unchecked Sendable {
    let inner: any SQLConnection
    let database: CountingDatabase
    private var started = false

    init(inner: any SQLConnection, database: CountingDatabase) {
        self.inner = inner
        self.database = database
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        database.count(sql, first: !started)
        started = true
        return try await inner.query(sql, binds)
    }
}
