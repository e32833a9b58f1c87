import Foundation

// agent-turbo-bench [scenario...]: runs the benchmarks and prints markdown tables for docs/benchmarks.md.
// Scenarios: speedup, pickup, dispatch, efficiency, memory, statements, submit, stats, claims (default: all). PostgreSQL rows need
// AGENT_TURBO_BENCH_POSTGRES_URL (scripts/bench.sh starts a throwaway server and sets it).
let requested = Set(CommandLine.arguments.dropFirst())
func wanted(_ name: String) -> Bool { requested.isEmpty || requested.contains(name) }

var tables: [ResultTable] = []
do {
    if wanted("speedup") { tables.append(try await ParallelSpeedup.run()) }
    if wanted("pickup") { tables.append(try await PickupLatency.run()) }
    if wanted("dispatch") { tables.append(try await Dispatch.rate()) }
    if wanted("efficiency") { tables.append(try await Dispatch.efficiency()) }
    if wanted("memory") { tables.append(try await Dispatch.memory()) }
    if wanted("statements") { tables.append(try await Statements.perTask()) }
    if wanted("submit") { tables.append(try await StoreOperations.batchSubmit()) }
    if wanted("stats") { tables.append(try await StatsAtScale.run()) }
    if wanted("claims") {
        tables.append(try await StoreOperations.claimsAgainstBacklog(large: [.sqlite: 100_000, .postgres: 1_000_000]))
    }
} catch {
    log("benchmark failed: \(error)")
    exit(1)
}
print(tables.map(\.markdown).joined(separator: "\n\n"))
