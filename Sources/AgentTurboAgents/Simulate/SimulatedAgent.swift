import CAgentSupport
import Foundation

/// The `simulate` agent: runs inside `agent-turbo __simulate-agent PROMPT` and answers like
/// `claude -p --output-format json`, doing what its prompt's directives ask (see ``SimulateDirectives``).
/// It is a documented agent of its own for demos, tests and benchmarks, not a mock of Claude.
public enum SimulatedAgent {
    /// Runs with the arguments after `__simulate-agent`: `-- PROMPT...` (the words joined by spaces; nothing
    /// after `--` is an option), or `-` (also after `--`, as `codex exec` reads it) for a prompt on stdin.
    public static func run(arguments: [String]) -> Never {
        var words = arguments[...]
        if words.first == "--" {
            words = words.dropFirst()
        }
        guard words != ["-"] else {
            run(prompt: String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self))
        }
        run(prompt: words.joined(separator: " "))
    }

    public static func run(prompt: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Never {
        let directives = SimulateDirectives(prompt: prompt)
        let started = Date()
        if directives.ignoreTerm {
            signal(SIGTERM, SIG_IGN)
        }
        if directives.memoryMB > 0, at_hold_memory(directives.memoryMB) == nil {
            FileHandle.standardError.write(Data("simulate: could not allocate \(directives.memoryMB) MB\n".utf8))
        }
        if directives.grandchild {
            startGrandchild(sleeping: directives.sleepSeconds, ownSession: false)
        }
        if directives.daemon {
            startGrandchild(sleeping: 3600, ownSession: true)
        }
        if directives.outputBytes > 0 {
            printFiller(bytes: directives.outputBytes)
        }
        if directives.cpuSeconds > 0 {
            at_burn_cpu(directives.cpuSeconds)
        }
        if directives.sleepSeconds > 0 {
            sleep(seconds: directives.sleepSeconds)
        }
        if directives.finalOutputBytes > 0 {
            printFiller(bytes: directives.finalOutputBytes)
        }
        if let path = directives.writePath {
            let task = environment["AGENT_TURBO_TASK_ID"] ?? "unknown-task"
            let attempt = environment["AGENT_TURBO_ATTEMPT"] ?? "?"
            let interval = String(format: "%.6f %.6f", started.timeIntervalSince1970, Date().timeIntervalSince1970)
            append("\(task) attempt \(attempt) pid \(getpid()) ran \(interval)\n", to: path)
        }
        let (object, code) = result(directives, elapsed: Date().timeIntervalSince(started), prompt: prompt)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        exit(Int32(code))
    }

    /// The result object and the exit code, as Claude Code would give them for the same outcome.
    static func result(_ directives: SimulateDirectives, elapsed: Double, prompt: String) -> ([String: Any], Int) {
        let outputText: String
        var isError = false
        var subtype = "success"
        var code = 0
        var object: [String: Any] = [:]
        if let seconds = directives.rateLimitSeconds {
            // The older Claude Code wording, which carries the reset to the second (the newer one says
            // "resets 2:52am"), so that short simulated limits stay exact.
            let reset = Int(Date().timeIntervalSince1970 + seconds)
            outputText = "Claude AI usage limit reached|\(reset)"
            object["api_error"] = "usage_limit_reached"
            object["api_error_status"] = 429
            isError = true
            code = 1
        } else if let status = directives.status {
            isError = true
            code = 1
            object["api_error_status"] = status
            switch status {
            case 401, 403:
                outputText = "Invalid API key · Fix external API key"
                object["api_error_type"] = status == 401 ? "authentication_error" : "permission_error"
            case 429:
                outputText = "API Error: 429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limited\"}}"
            case 529:
                outputText = "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"
            default:
                outputText = "API Error: \(status) {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}"
            }
        } else if let exitCode = directives.exitCode, exitCode != 0 {
            outputText = directives.result ?? "simulated failure (exit \(exitCode))"
            isError = true
            subtype = "error_during_execution"
            code = exitCode
        } else {
            outputText = directives.result ?? (directives.echo.isEmpty ? "done" : directives.echo)
        }
        object["type"] = "result"
        object["subtype"] = subtype
        object["is_error"] = isError
        object["result"] = outputText
        object["session_id"] = UUID().uuidString.lowercased()
        object["num_turns"] = directives.turns
        object["duration_ms"] = Int(elapsed * 1000)
        object["duration_api_ms"] = 0
        object["total_cost_usd"] = directives.costUSD ?? 0
        object["usage"] = [
            "input_tokens": max(1, prompt.utf8.count / 4),
            "output_tokens": max(1, outputText.utf8.count / 4),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        ]
        return (object, code)
    }

    /// Starts `agent-turbo __simulate-agent sleep=N`, sharing stdout and stderr: in this process group, or in a
    /// session of its own as a daemon (or a Claude Code tool command) would be.
    static func startGrandchild(sleeping seconds: Double, ownSession: Bool) {
        let executable = AgentProcess.currentExecutable
        let argv = [executable, "__simulate-agent", "sleep=\(seconds)", "result=grandchild"]
        var error: CInt = 0
        let pid = withCStrings(argv) { argvPointers in
            withCStrings(ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }) { envPointers in
                executable.withCString { path in
                    var request = at_spawn_request(
                        path: path, argv: argvPointers, envp: envPointers, cwd: nil, stdin_fd: -1,
                        stdout_fd: 1, stderr_fd: 2, inherit_fd: -1, new_process_group: 0, new_session: ownSession ? 1 : 0,
                        portable: 0
                    )
                    return at_spawn(&request, &error)
                }
            }
        }
        FileHandle.standardError.write(Data("simulate: \(ownSession ? "daemon" : "grandchild") pid \(pid)\n".utf8))
    }

    static func printFiller(bytes: Int) {
        let line = Data(String(repeating: "x", count: 99).utf8) + Data("\n".utf8)
        var block = Data()
        while block.count < 64 * 1024 {
            block.append(line)
        }
        var remaining = bytes
        while remaining > 0 {
            let piece = remaining >= block.count ? block : block.prefix(remaining)
            FileHandle.standardOutput.write(piece)
            remaining -= piece.count
        }
    }

    static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR {
            request = remaining
        }
    }

    static func append(_ line: String, to path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            FileHandle.standardError.write(Data("simulate: cannot write \(path)\n".utf8))
            return
        }
        _ = line.withCString { at_write(fd, $0, strlen($0)) }
        close(fd)
    }
}
