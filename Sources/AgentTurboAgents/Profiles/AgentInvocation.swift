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
    /// Builds the invocation for a task: the worker's environment without Agent Turbo's secrets (see
    /// ``AgentEnvironment``), the program found in `PATH`, and the prompt as one argument after the option flags
    /// (and a `--`), or on standard input when the profile says so or when it is too long for `execve`.
    /// - Parameters:
    ///   - baseEnvironment: the worker's environment.
    ///   - toolExecutable: agent-turbo itself, for the simulated agent and the supervisor.
    ///   - extraEnvironment: per-attempt variables (`AGENT_TURBO_TASK_ID`, a config folder, ...).
    public func invocation(
        for task: AgentTask, baseEnvironment: [String: String], toolExecutable: String,
        extraEnvironment: [String: String]
    ) throws(LaunchError) -> AgentInvocation {
        try invocation(
            for: task, profileEnvironment: profileEnvironment(from: baseEnvironment), toolExecutable: toolExecutable,
            extraEnvironment: extraEnvironment
        )
    }

    /// What every agent of this profile starts from: `baseEnvironment` without the secrets and the variables
    /// the profile removes, with the profile's own. The same for every attempt, so a worker computes it once.
    public func profileEnvironment(from baseEnvironment: [String: String]) -> [String: String] {
        var environment = AgentEnvironment.withoutSecrets(baseEnvironment, pass: passEnvironment)
        for name in Self.alwaysRemoved + removeEnvironment {
            environment.removeValue(forKey: name)
        }
        environment.merge(self.environment) { $1 }
        return environment
    }

    /// Builds the invocation from ``profileEnvironment(from:)``'s result.
    public func invocation(
        for task: AgentTask, profileEnvironment: [String: String], toolExecutable: String,
        extraEnvironment: [String: String]
    ) throws(LaunchError) -> AgentInvocation {
        var environment = profileEnvironment
        environment.merge(extraEnvironment) { $1 }

        guard let program = executable ?? (runsAgentTurbo ? toolExecutable : nil) else {
            throw LaunchError(.invalidTask, unconfiguredMessage)
        }
        guard let path = ExecutableLocator.locate(program, path: environment["PATH"], relativeTo: task.workingDir) else {
            throw LaunchError(.executableNotFound, "the '\(name)' agent's program '\(program)' was not found (PATH=\(environment["PATH"] ?? ""))")
        }

        if let (variable, value) = environment.first(where: { $0.key.utf8.count + $0.value.utf8.count + 1 > ArgumentLimits.longestArgument }) {
            throw LaunchError(
                .invalidTask,
                "the agent's environment variable \(variable) is \(variable.utf8.count + value.utf8.count + 1) bytes, more than Linux passes to a program (\(ArgumentLimits.longestArgument), E2BIG): shorten it"
            )
        }
        let prompt = task.taskDescription
        if !alwaysOnStdin(prompt) {
            let argv = arguments(prompt: prompt, options: task.agentOptions)
            // The supervisor gets the same environment and the agent's command line after its own options.
            let size = ArgumentLimits.size(arguments: [path] + argv, environment: environment)
                + ArgumentLimits.supervisorAllowance + (task.workingDir?.utf8.count ?? 0)
            let longest = argv.map(\.utf8.count).max() ?? 0
            if longest <= ArgumentLimits.longestArgument, size <= ArgumentLimits.total {
                return AgentInvocation(
                    executable: path, arguments: argv, environment: environment, workingDirectory: task.workingDir,
                    standardInput: nil
                )
            }
            guard readsStdin else {
                throw LaunchError(
                    .invalidTask,
                    "the prompt (\(prompt.utf8.count) bytes) does not fit on the '\(name)' agent's command line (E2BIG: Linux takes at most \(ArgumentLimits.longestArgument) bytes in one argument and \(ArgumentLimits.total) in all arguments and the environment): shorten it, or let the profile take prompts on standard input (prompt_delivery \"stdin\" or stdin_argument)"
                )
            }
        }
        return AgentInvocation(
            executable: path, arguments: arguments(prompt: nil, options: task.agentOptions), environment: environment,
            workingDirectory: task.workingDir, standardInput: Data(prompt.utf8)
        )
    }

    /// The simulated agent is agent-turbo itself.
    var runsAgentTurbo: Bool { name == "simulate" || arguments.first == "__simulate-agent" }

    /// Why a profile without a program cannot run, and what to do.
    var unconfiguredMessage: String {
        "the '\(name)' profile has no program: set profiles.\(name).executable (and arguments with {prompt}) in the config file"
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
