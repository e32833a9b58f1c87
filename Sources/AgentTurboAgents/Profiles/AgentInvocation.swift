import AgentTurboCore
import Foundation

/// Exactly what a worker starts for one attempt: argv, environment, folder and standard input.
public struct AgentInvocation: Sendable, Hashable {
    /// Absolute path of the program.
    public var executable: String
    /// The arguments after the program name.
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String?
    /// The prompt, when the profile reads it from standard input.
    public var standardInput: Data?

    public init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String?,
        standardInput: Data?
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
    }
}

/// Why an attempt could not even start; these fail the task at once.
public struct LaunchError: Error, Sendable, CustomStringConvertible {
    public var kind: ErrorKind
    public var message: String

    public init(_ kind: ErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension AgentProfile {
    /// Prompts longer than this go on standard input where the agent reads it (Linux caps one argv element
    /// at 128 KiB).
    static let longestArgumentPrompt = 100_000

    /// Builds the invocation for a task.
    /// - Parameters:
    ///   - baseEnvironment: the worker's environment.
    ///   - toolExecutable: agent-turbo itself, for the simulated agent.
    ///   - extraEnvironment: per-attempt variables (`AGENT_TURBO_TASK_ID`, a config folder, ...).
    public func invocation(
        for task: AgentTask, baseEnvironment: [String: String], toolExecutable: String,
        extraEnvironment: [String: String]
    ) throws(LaunchError) -> AgentInvocation {
        var environment = baseEnvironment
        for name in Self.alwaysRemoved + removeEnvironment {
            environment.removeValue(forKey: name)
        }
        environment.merge(self.environment) { $1 }
        environment.merge(extraEnvironment) { $1 }

        guard let program = executable ?? (name == "simulate" || arguments.first == "__simulate-agent" ? toolExecutable : nil) else {
            throw LaunchError(
                .invalidTask,
                "the '\(name)' profile has no program: set profiles.\(name).executable (and arguments with {prompt}) in the config file"
            )
        }
        guard let path = ExecutableLocator.locate(program, path: environment["PATH"], relativeTo: task.workingDir) else {
            throw LaunchError(.executableNotFound, "the '\(name)' agent's program '\(program)' was not found (PATH=\(environment["PATH"] ?? ""))")
        }

        let prompt = task.taskDescription
        let useStdin = promptDelivery == .stdin || (style == .claude && prompt.utf8.count > Self.longestArgumentPrompt)
        var argv: [String] = []
        var placed = false
        for argument in arguments {
            if argument.contains("{prompt}") {
                placed = true
                if useStdin {
                    continue
                }
                argv.append(argument.replacingOccurrences(of: "{prompt}", with: prompt))
            } else {
                argv.append(argument)
            }
        }
        argv += optionFlags(task.agentOptions)
        if !placed, !useStdin {
            argv.append(prompt)
        }
        return AgentInvocation(
            executable: path, arguments: argv, environment: environment, workingDirectory: task.workingDir,
            standardInput: useStdin ? Data(prompt.utf8) : nil
        )
    }

    /// The task's options as this agent's flags.
    func optionFlags(_ options: AgentOptions) -> [String] {
        var flags: [String] = []
        switch style {
        case .claude:
            if let model = options.model { flags += ["--model", model] }
            if let turns = options.maxTurns { flags += ["--max-turns", String(turns)] }
            for tool in options.allowedTools ?? [] { flags += ["--allowedTools", tool] }
            for tool in options.disallowedTools ?? [] { flags += ["--disallowedTools", tool] }
            if let mode = options.permissionMode { flags += ["--permission-mode", mode] }
            if let prompt = options.systemPrompt { flags += ["--system-prompt", prompt] }
            if let prompt = options.appendSystemPrompt { flags += ["--append-system-prompt", prompt] }
        case .codex:
            if let model = options.model { flags += ["--model", model] }
        case .gemini:
            if let model = options.model { flags += ["--model", model] }
        case .plain:
            break
        }
        return flags
    }
}

/// Finds a program the way a shell would, without running one.
public enum ExecutableLocator {
    public static func locate(_ program: String, path: String?, relativeTo folder: String?) -> String? {
        if program.contains("/") {
            let absolute = program.hasPrefix("/") ? program : (folder ?? FileManager.default.currentDirectoryPath) + "/" + program
            return FileManager.default.isExecutableFile(atPath: absolute) ? absolute : nil
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}
