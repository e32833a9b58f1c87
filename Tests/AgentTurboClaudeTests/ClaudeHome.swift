import AgentTurboCore
import AgentTurboSQLite
import AgentTurboTestSupport
import Foundation
import Testing

/// Where the real Claude Code CLI is: `AGENT_TURBO_TEST_CLAUDE` (set by scripts/test.sh), else the installer's cache.
enum RealClaude {
    static var path: String? {
        if let path = ProcessInfo.processInfo.environment["AGENT_TURBO_TEST_CLAUDE"], !path.isEmpty {
            return path
        }
        let cached = NSHomeDirectory() + "/.cache/agent-turbo/claude-cli/2.1.332/claude"
        return FileManager.default.isExecutableFile(atPath: cached) ? cached : nil
    }

    static var isAvailable: Bool { path != nil }
}

/// A home whose `claude` and `claude-stream` profiles run the real CLI against the fake API, through a wrapper
/// that records each run's argv, folder and config folder.
struct ClaudeHome {
    let directory: TemporaryDirectory
    let cli: CLIRunner
    let api: FakeAnthropicAPI
    let config: String
    let runLog: String

    static func start(maxRetries: Int = 1) async throws -> ClaudeHome {
        let claude = try #require(RealClaude.path, "the Claude Code CLI is not installed: run scripts/test.sh")
        let api = try await FakeAnthropicAPI.start()
        let directory = try TemporaryDirectory(prefix: "agent-turbo-claude")
        let runLog = directory.file("runs")
        try FileManager.default.createDirectory(atPath: runLog, withIntermediateDirectories: true)
        let wrapper = directory.file("claude-wrapper.sh")
        let script = """
            #!/bin/bash
            {
              printf 'pid=%s\\n' "$$"
              printf 'cwd=%s\\n' "$PWD"
              printf 'config=%s\\n' "$CLAUDE_CONFIG_DIR"
              printf 'task=%s\\n' "$AGENT_TURBO_TASK_ID"
              for argument in "$@"; do printf 'arg=%s\\n' "$argument"; done
            } > '\(runLog)'/"run-$$.txt"
            # What the worker gave the agent, as the kernel has it.
            cp /proc/$$/environ '\(runLog)'/"environ-$$.bin"
            exec '\(claude)' "$@"
            """
        try script.write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        let environment = """
            {"ANTHROPIC_API_KEY": "sk-ant-fake-key", "ANTHROPIC_BASE_URL": "\(api.baseURL)",
             "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "CLAUDE_CODE_MAX_RETRIES": "\(maxRetries)", "IS_SANDBOX": "1"}
            """
        // The same, without IS_SANDBOX: Claude Code then refuses bypassPermissions when run as root.
        let unsandboxed = environment.replacingOccurrences(of: #", "IS_SANDBOX": "1""#, with: "")
        let config = directory.file("config.json")
        try """
            {"profiles": {
              "claude": {"executable": "\(wrapper)", "environment": \(environment)},
              "claude-stream": {"executable": "\(wrapper)", "environment": \(environment)},
              "claude-unsandboxed": {"executable": "\(wrapper)", "environment": \(unsandboxed),
                                     "arguments": ["-p", "--output-format", "json", "--", "{prompt}"], "stdin_argument": "",
                                     "style": "claude", "output_format": "claude-json", "config_dir_variable": "CLAUDE_CONFIG_DIR"}
            }}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var cli = CLIRunner(home: directory.path)
        cli.currentDirectory = directory.path
        return ClaudeHome(directory: directory, cli: cli, api: api, config: config, runLog: runLog)
    }

    /// Submits a Claude task; `folder` (made under the home) becomes its working directory.
    @discardableResult
    func submit(_ prompt: String, agent: String = "claude", folder: String? = nil, _ options: [String] = []) throws -> String {
        var arguments = ["submit", prompt, "--agent", agent, "--config", config]
        if let folder {
            let path = directory.file(folder)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            arguments += ["--cwd", path]
        }
        let result = try cli.run(arguments + options)
        guard result.status == 0, let id = result.lines.first else {
            throw TestTimeout("submit failed: \(result.stderr)")
        }
        return id
    }

    func worker(_ options: [String] = []) throws -> WorkerProcess {
        try WorkerProcess(cli, ["worker", "--config", config, "--poll-interval", "0.2s", "--retry-base", "1s"] + options)
    }

    func store() async throws -> any TaskStore {
        try await SQLiteTaskStore.open(path: directory.file("turbo.db"))
    }

    /// What the wrapper recorded of each CLI run.
    var runs: [[String: [String]]] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: runLog)) ?? []).filter { $0.hasPrefix("run-") }
        return files.compactMap { name in
            guard let text = try? String(contentsOfFile: runLog + "/" + name, encoding: .utf8) else { return nil }
            var fields: [String: [String]] = [:]
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let pair = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2 else { continue }
                fields[String(pair[0]), default: []].append(String(pair[1]))
            }
            return fields
        }
    }

    func run(forTask id: String) -> [String: [String]]? {
        runs.first { $0["task"]?.first == id }
    }

    /// The environment the agent of a task started with (its /proc/PID/environ, copied by the wrapper).
    func environment(forTask id: String) throws -> [String: String] {
        let pid = try #require(run(forTask: id)?["pid"]?.first, "no run of \(id)")
        let data = try Data(contentsOf: URL(fileURLWithPath: runLog + "/environ-\(pid).bin"))
        var environment: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return environment
    }

    /// The API requests made for the task whose prompt holds `marker`.
    func requests(containing marker: String) -> [RecordedRequest] {
        api.requests.filter { $0.allText.contains(marker) }
    }

    func stop() async {
        await api.stop()
        directory.remove()
    }
}

/// The list price Claude Code 2.1.x charges (per million tokens): Opus 5.5 by default, Sonnet 4.5 when asked.
func expectedCost(model: String, input: Int, output: Int) -> Double {
    let (inputPrice, outputPrice) = model.contains("sonnet-4") ? (3.0, 15.0) : (4.0, 20.0)
    return (Double(input) * inputPrice + Double(output) * outputPrice) / 1_000_000
}
