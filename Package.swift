// swift-tools-version:6.2
import PackageDescription

/// Strict Swift 6 everywhere: complete concurrency checking comes with the language mode.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "agent-turbo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agent-turbo", targets: ["agent-turbo"]),
        .executable(name: "agent-turbo-supervise", targets: ["agent-turbo-supervise"]),
        .executable(name: "agent-turbo-bench", targets: ["AgentTurboBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // The task model, its state machine and the store protocol: no database, no processes.
        .target(
            name: "AgentTurboCore",
            swiftSettings: strictSettings
        ),
        // The SQL both engines share: statements, row decoding, migrations, the generic store.
        .target(
            name: "AgentTurboSQL",
            dependencies: [
                "AgentTurboCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The embedded default engine.
        .target(
            name: "AgentTurboSQLite",
            dependencies: [
                "AgentTurboCore",
                "AgentTurboSQL",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Process plumbing in C for the worker: spawning, the lifeline pipe, waits with the kernel's accounting.
        .target(name: "CAgentSupport"),
        // The supervisor every agent runs under: plain C, linked statically on Linux with no part of the Swift
        // runtime, so that starting one costs about what starting `true` does (installed beside agent-turbo).
        .executableTarget(
            name: "agent-turbo-supervise",
            cSettings: [.define("_GNU_SOURCE", .when(platforms: [.linux]))],
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]
        ),
        // Task workspaces: a git worktree and branch per task, saved, summed up and cleaned up without losing work.
        .target(
            name: "AgentTurboWorkspaces",
            dependencies: ["AgentTurboCore", "CAgentSupport"],
            swiftSettings: strictSettings
        ),
        // Agent profiles, starting and reading agent processes, classifying how they ended, the simulated agent.
        .target(
            name: "AgentTurboAgents",
            dependencies: ["AgentTurboCore", "CAgentSupport"],
            swiftSettings: strictSettings
        ),
        // The worker: claims, runs and records attempts; heartbeats, leases, rescue, shutdown.
        .target(
            name: "AgentTurboWorker",
            dependencies: [
                "AgentTurboCore",
                "AgentTurboAgents",
                "AgentTurboWorkspaces",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The engine for several hosts.
        .target(
            name: "AgentTurboPostgres",
            dependencies: [
                "AgentTurboCore",
                "AgentTurboSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // `serve`: the HTTP API, the dashboard and Prometheus metrics over a store.
        .target(
            name: "AgentTurboServer",
            dependencies: [
                "AgentTurboCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        // The command line: one file per subcommand.
        .target(
            name: "AgentTurboCLI",
            dependencies: [
                "AgentTurboCore",
                "AgentTurboSQL",
                "AgentTurboSQLite",
                "AgentTurboPostgres",
                "AgentTurboAgents",
                "AgentTurboWorker",
                "AgentTurboWorkspaces",
                "AgentTurboServer",
                "CAgentSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Depends on the supervisor so that building or running agent-turbo builds it beside it too.
        .executableTarget(
            name: "agent-turbo",
            dependencies: ["AgentTurboCLI", "agent-turbo-supervise"],
            swiftSettings: strictSettings
        ),
        // Benchmarks, apart from the tests: `scripts/bench.sh` runs them; results in docs/benchmarks.md.
        .executableTarget(
            name: "AgentTurboBenchmarks",
            dependencies: [
                "AgentTurboCore",
                "AgentTurboAgents",
                "AgentTurboWorker",
                "AgentTurboSQL",
                "AgentTurboSQLite",
                "AgentTurboPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/AgentTurboBenchmarks",
            swiftSettings: strictSettings
        ),
        // Shared test helpers (no product): temporary homes, store factories per engine, the conformance suite.
        .target(
            name: "AgentTurboTestSupport",
            dependencies: [
                "AgentTurboCore",
                "AgentTurboSQL",
                "AgentTurboSQLite",
                "AgentTurboPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/AgentTurboTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AgentTurboCoreTests",
            dependencies: ["AgentTurboCore"],
            swiftSettings: strictSettings
        ),
        // The git plumbing of task workspaces, against real repositories in temporary folders.
        .testTarget(
            name: "AgentTurboWorkspacesTests",
            dependencies: ["AgentTurboCore", "AgentTurboWorkspaces", "AgentTurboTestSupport"],
            swiftSettings: strictSettings
        ),
        // Pure logic of the worker (the attempt's lifecycle, the spool) with a clock the tests drive.
        .testTarget(
            name: "AgentTurboWorkerUnitTests",
            dependencies: ["AgentTurboCore", "AgentTurboAgents", "AgentTurboWorker"],
            swiftSettings: strictSettings
        ),
        // Pure logic of the agent layer: command lines, environments, classification; no processes.
        .testTarget(
            name: "AgentTurboAgentsTests",
            dependencies: ["AgentTurboCore", "AgentTurboAgents"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TaskStoreConformanceTests",
            dependencies: ["AgentTurboCore", "AgentTurboSQL", "AgentTurboSQLite", "AgentTurboTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AgentTurboWorkerTests",
            dependencies: [
                "AgentTurboCore", "AgentTurboAgents", "AgentTurboSQL", "AgentTurboSQLite", "AgentTurboTestSupport",
                "agent-turbo",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AgentTurboPostgresTests",
            dependencies: [
                "AgentTurboCore", "AgentTurboPostgres", "AgentTurboTestSupport", "agent-turbo",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AgentTurboClaudeTests",
            dependencies: ["AgentTurboCore", "AgentTurboSQLite", "AgentTurboTestSupport", "agent-turbo"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FakeAnthropicAPITests",
            dependencies: ["AgentTurboTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AgentTurboServerTests",
            dependencies: [
                "AgentTurboCore", "AgentTurboSQLite", "AgentTurboServer", "AgentTurboTestSupport", "agent-turbo",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AgentTurboCLITests",
            dependencies: ["AgentTurboCore", "AgentTurboTestSupport", "agent-turbo"],
            swiftSettings: strictSettings
        ),
    ]
)
