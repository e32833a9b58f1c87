import AgentTurboTestSupport
import Foundation
import Testing

/// Runs the real `claude` CLI in print mode against a `FakeAnthropicAPI`.
///
/// The binary comes from `AGENT_TURBO_TEST_CLAUDE`, or else from the installer's cache
/// (`scripts/install-claude-cli.sh`). Each run gets a fresh HOME, config dir and temp dir, a clean
/// environment and `/dev/null` as stdin (an open empty pipe would make the CLI wait 3 s).
enum RealClaude {
    static let version = "2.1.332"

    /// The binary to test, or nil when there is none (the tests are then skipped).
    static var binary: String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["AGENT_TURBO_TEST_CLAUDE"], !path.isEmpty {
            return path
        }
        let cache = environment["AGENT_TURBO_CACHE"] ?? (NSHomeDirectory() + "/.cache/agent-turbo")
        let path = "\(cache)/claude-cli/\(version)/claude"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Skipped without a binary, except under `CI=true`, where `run` then fails instead.
    static var shouldRun: Bool { binary != nil || TestEnvironment.isCI }

    static let skipMessage: Comment =
        "no claude binary: set AGENT_TURBO_TEST_CLAUDE to its path (scripts/install-claude-cli.sh installs it)"

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String

        /// The `--output-format json` result line.
        func result() throws -> ClaudeResult {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(ClaudeResult.self, from: Data(stdout.utf8))
        }
    }

    /// Runs `claude -p prompt arguments... --output-format json` to its end. The default
    /// `CLAUDE_CODE_MAX_RETRIES=1` keeps error scenarios short; `environment` overrides it.
    static func run(
        _ prompt: String, _ arguments: [String] = [], api: FakeAnthropicAPI, environment: [String: String] = [:]
    ) async throws -> Run {
        let executable = try #require(binary, skipMessage)
        let home = try TemporaryDirectory(prefix: "fake-api-claude")
        defer { home.remove() }
        let work = home.file("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-p", prompt] + arguments + ["--output-format", "json"]
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        process.environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": home.path,
            "TERM": "dumb",
            "CLAUDE_CONFIG_DIR": home.file("config"),
            // Keeps the CLI's per-run folders (it never removes its fswatch probes) out of /tmp.
            "CLAUDE_CODE_TMPDIR": home.file("tmp"),
            "ANTHROPIC_API_KEY": "sk-ant-fake",
            "ANTHROPIC_BASE_URL": api.baseURL,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_MAX_RETRIES": "1",
        ].merging(environment) { $1 }
        // Output goes to files, not pipes: a tool's grandchild could hold a pipe open after claude exits.
        let stdoutPath = home.file("stdout")
        let stderrPath = home.file("stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = stdout
        process.standardError = stderr
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Run(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }
}

/// The fields of the CLI's JSON result that the tests read.
struct ClaudeResult: Decodable {
    struct Usage: Decodable {
        var inputTokens: Int
        var outputTokens: Int
    }

    var type: String
    var subtype: String?
    var isError: Bool
    var result: String?
    var numTurns: Int?
    var sessionId: String?
    var totalCostUsd: Double?
    var apiErrorStatus: Int?
    var apiError: String?
    var terminalReason: String?
    var usage: Usage?
}

/// Runs `body` with a started fake API and stops it afterwards, also when `body` throws.
func withFakeAPI<T>(_ body: (FakeAnthropicAPI) async throws -> T) async throws -> T {
    let api = try await FakeAnthropicAPI.start()
    do {
        let value = try await body(api)
        await api.stop()
        return value
    } catch {
        await api.stop()
        throw error
    }
}
