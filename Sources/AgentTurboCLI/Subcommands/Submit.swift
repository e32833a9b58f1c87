import AgentTurboAgents
import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `submit`: adds one task from the command line, or many from JSON lines in one transaction.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a task, or many from a JSON lines file; prints the task ids.",
            discussion: """
                Each JSON line is an object with the column names of agent_tasks: task_description (or prompt), \
                task_id, task_type, task_priority, timeout_seconds, max_retries, agent, working_dir, \
                agent_options, run_after, repo, worktree, base. Options given here fill the fields a line leaves out. All the lines \
                are checked first and added in one transaction: one bad line and nothing is added.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var task: TaskOptions

        @Argument(help: "What the agent should do (the task_description).")
        var prompt: String?

        @Option(name: .long, help: ArgumentHelp("JSON lines file of tasks, or - for standard input.", valueName: "file"))
        var file: String?

        @Flag(name: .long, help: "Print the added tasks as JSON instead of their ids.")
        var json = false

        @Option(name: .long, help: ArgumentHelp("A key that makes this submit idempotent: run again with the same key and tasks within 24 hours, it adds nothing and prints the tasks the first run added (default: a new key per run, which still keeps the store's own retries from adding twice).", valueName: "key"))
        var idempotencyKey: String?

        func run() async throws {
            let tasks = try readTasks()
            if let idempotencyKey {
                try IdempotencyKey.validate(idempotencyKey)
            }
            // Even without --idempotency-key: when the database commits but its answer is lost (it went away
            // mid-commit), the retry below finds the key and prints the tasks that commit added, never adds twice.
            let key = idempotencyKey ?? "cli-" + UUID().uuidString.lowercased()
            let added = try await global.withStore { store in
                var waits: [Duration] = [.seconds(1), .seconds(3)]
                while true {
                    do {
                        return try await store.submit(tasks, by: "cli", idempotencyKey: key).tasks
                    } catch let error as StoreError where error.code == .unavailable && !waits.isEmpty {
                        try await Task.sleep(for: waits.removeFirst())
                    }
                }
            }
            if json {
                try JSONOutput.print(added)
            } else {
                print(added.map(\.taskID).joined(separator: "\n"))
            }
        }

        func readTasks() throws -> [NewTask] {
            try CommandLineText.requireUTF8()
            let cwd = FileManager.default.currentDirectoryPath
            let template = try task.template(description: prompt ?? "", currentDirectory: cwd)
            let catalog = try global.profiles().catalog
            guard let file else {
                guard prompt != nil else {
                    throw InputError("give a prompt, or --file FILE.jsonl (- for standard input) for many tasks")
                }
                try template.validate()
                try catalog.check(template)
                return [template]
            }
            guard prompt == nil else {
                throw InputError("give either a prompt or --file, not both")
            }
            let (data, source) = try TaskFileReader.read(file)
            return try TaskLines.parse(data, source: source, template: template, relativeTo: cwd, catalog: catalog)
        }
    }
}

/// `submit PROMPT` as users type it. A prompt that starts with `-` is read by the argument parser as options
/// (a markdown list `- fix the test` even as `-h`, printing help and adding nothing). An argument that starts
/// with `-` and holds whitespace is never one of submit's options, so, unless it is an option's value, it is
/// moved after a `--`, where it can only be the prompt. A prompt such as `--version`, without whitespace,
/// still needs the `--` typed: `agent-turbo submit -- --version`.
enum SubmitArguments {
    /// Submit's options that take no value; every other option takes the next argument as its value.
    static let flags: Set<String> = ["--json", "--help", "-h", "--version"]

    static func normalized(_ arguments: [String]) -> [String] {
        guard arguments.count > 2, arguments[1] == "submit" else { return arguments }
        var kept = Array(arguments.prefix(2))
        var prompts: [String] = []
        var index = 2
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                kept += arguments[index...]
                break
            }
            if argument.hasPrefix("-"), argument.contains(where: \.isWhitespace) {
                prompts.append(argument)
            } else {
                kept.append(argument)
                if argument.hasPrefix("-"), !argument.contains("="), !flags.contains(argument), index + 1 < arguments.count {
                    // An option's value, whatever it looks like.
                    index += 1
                    kept.append(arguments[index])
                }
            }
            index += 1
        }
        guard !prompts.isEmpty else { return arguments }
        return kept.contains("--") ? kept + prompts : kept + ["--"] + prompts
    }
}

/// The command line as the kernel gave it: Swift turns bytes that are not UTF-8 into U+FFFD without a word,
/// so a prompt would reach the agent changed.
enum CommandLineText {
    static func requireUTF8() throws(InputError) {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index], String(validatingCString: pointer) == nil else { continue }
            let shown = String(cString: pointer)
            throw InputError(
                "argument \(index) ('\(shown.prefix(40))\(shown.count > 40 ? "…" : "")') is not valid UTF-8 text: give the prompt in UTF-8, or put it in a JSON lines file"
            )
        }
    }
}

/// Reads a JSON lines file, or standard input for `-`.
enum TaskFileReader {
    static func read(_ file: String) throws -> (Data, String) {
        if file == "-" {
            return (FileHandle.standardInput.readDataToEndOfFile(), "standard input")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError("the task file '\(file)' is a folder: give the path of a JSON lines file in it")
        }
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw InputError("cannot read the task file '\(file)': check the path")
        }
        do {
            return (try Data(contentsOf: URL(fileURLWithPath: file)), file)
        } catch {
            throw InputError("cannot read the task file '\(file)': \(error.localizedDescription)")
        }
    }
}

/// The task fields as options, shared by `submit` and `run`.
struct TaskOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Task id (default: generated).", valueName: "id"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("Task type, free text for grouping (default: general).", valueName: "type"))
    var type: String?

    @Option(name: .long, help: ArgumentHelp("Priority: higher runs first (default: 5).", valueName: "n"))
    var priority: Int?

    @Option(name: .long, help: ArgumentHelp("Timeout of one attempt: 300, 90s, 10m, 1h (default: 300 s).", valueName: "duration"))
    var timeout: String?

    @Option(name: .long, help: ArgumentHelp("Retries after a failed attempt (default: 3, so at most 4 attempts).", valueName: "n"))
    var retries: Int?

    @Option(name: .long, help: ArgumentHelp("Agent profile: claude, codex, gemini, command, simulate, or one from the config (default: claude).", valueName: "name"))
    var agent: String?

    @Option(name: .long, help: ArgumentHelp("Working directory of the agent (default: the current directory).", valueName: "dir"))
    var cwd: String?

    @Option(name: .long, help: ArgumentHelp("Model for the agent (agent_options.model).", valueName: "model"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Most agent turns (agent_options.max_turns).", valueName: "n"))
    var maxTurns: Int?

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("A tool the agent may use without asking; repeat for more (agent_options.allowed_tools).", valueName: "tool"))
    var allowedTool: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("A tool the agent must not use; repeat for more.", valueName: "tool"))
    var disallowedTool: [String] = []

    @Option(name: .long, help: ArgumentHelp("Claude Code permission mode: default, acceptEdits, plan, bypassPermissions, dontAsk.", valueName: "mode"))
    var permissionMode: String?

    @Option(name: .long, help: ArgumentHelp("System prompt replacing the agent's own.", valueName: "text"))
    var systemPrompt: String?

    @Option(name: .long, help: ArgumentHelp("Text appended to the agent's system prompt.", valueName: "text"))
    var appendSystemPrompt: String?

    @Option(name: .long, help: ArgumentHelp("Not before: a delay such as +30s or +2h, or a timestamp (run_after).", valueName: "time"))
    var after: String?

    @Option(name: .long, help: ArgumentHelp("A git checkout to run the task in a worktree of (with --worktree).", valueName: "path"))
    var repo: String?

    @Flag(name: .long, help: "Run in a fresh git worktree of --repo, on a branch of the task's own.")
    var worktree = false

    @Option(name: .long, help: ArgumentHelp("Branch, tag or commit the task's branch starts from (default: the repository's HEAD).", valueName: "ref"))
    var base: String?

    /// A task holding these options (defaults where not given), for one prompt or as a template for a file.
    func template(description: String, currentDirectory: String) throws -> NewTask {
        var task = NewTask(taskDescription: description)
        task.taskID = id
        task.taskType = type ?? task.taskType
        task.taskPriority = priority ?? task.taskPriority
        if let timeout {
            let seconds = try DurationText.seconds(timeout, what: "--timeout")
            guard seconds >= 1 else {
                throw InputError("--timeout must be at least 1 second, not '\(timeout)'")
            }
            task.timeoutSeconds = Int(seconds.rounded(.up))
        }
        task.maxRetries = retries ?? task.maxRetries
        task.agent = agent ?? task.agent
        let folder = cwd ?? currentDirectory
        task.workingDir = URL(fileURLWithPath: folder, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true))
            .standardizedFileURL.path
        if cwd != nil {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: task.workingDir!, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw InputError("--cwd '\(folder)' is not a directory")
            }
        }
        task.agentOptions = AgentOptions(
            model: model, maxTurns: maxTurns, allowedTools: allowedTool.isEmpty ? nil : allowedTool,
            disallowedTools: disallowedTool.isEmpty ? nil : disallowedTool, permissionMode: permissionMode,
            systemPrompt: systemPrompt, appendSystemPrompt: appendSystemPrompt
        )
        if let after {
            task.runAfter = try TimeText.date(after, what: "--after")
        }
        try applyWorkspace(to: &task, currentDirectory: currentDirectory)
        return task
    }

    /// `--repo`, `--worktree`, `--base`: a worktree task runs in its worktree, not in a working folder.
    private func applyWorkspace(to task: inout NewTask, currentDirectory: String) throws {
        task.worktree = worktree
        task.base = base
        guard let repo else { return }
        if cwd != nil {
            throw InputError("give either --cwd or --repo, not both: a worktree task runs in its own worktree of the repository")
        }
        let path = URL(fileURLWithPath: repo, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true)).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("--repo '\(repo)' is not a directory: give the folder of a git checkout")
        }
        task.repo = path
        task.workingDir = nil
    }
}
