import AgentTurboAgents
import AgentTurboCore
import Foundation
import Testing

/// A task as the worker would claim it.
func claimedTask(_ prompt: String, agent: String = "claude", options: AgentOptions = AgentOptions(), folder: String? = nil) -> AgentTask {
    AgentTask(
        taskID: "t1", taskType: "general", taskDescription: prompt, taskPriority: 5, status: .running,
        timeoutSeconds: 300, maxRetries: 3, retryCount: 0, attempt: 1, assignedWorkerID: "w1", createdAt: Date(),
        updatedAt: Date(), startedAt: Date(), completedAt: nil, durationSec: nil, result: nil, error: nil,
        agent: agent, workingDir: folder, agentOptions: options, runAfter: Date(), leaseExpiresAt: nil,
        cancelRequested: false, exitCode: nil, errorKind: nil, sessionID: nil, costUSD: nil, inputTokens: nil,
        outputTokens: nil, numTurns: nil, peakMemoryBytes: nil, cpuUserSec: nil, cpuSystemSec: nil
    )
}

/// A built-in profile whose program is one that exists here, so that the invocation can be built.
func runnable(_ profile: AgentProfile) -> AgentProfile {
    var profile = profile
    if profile.executable != nil {
        profile.executable = "/bin/sh"
    }
    return profile
}

func invocation(
    _ profile: AgentProfile, _ prompt: String, options: AgentOptions = AgentOptions(),
    environment: [String: String] = ["PATH": "/usr/bin:/bin"], extra: [String: String] = [:]
) throws -> AgentInvocation {
    try runnable(profile).invocation(
        for: claimedTask(prompt, agent: profile.name, options: options), baseEnvironment: environment,
        toolExecutable: "/bin/sh", extraEnvironment: extra
    )
}

@Suite("Agents: the prompt never becomes an option")
struct PromptPlacementTests {
    static let hostile = ["- fix the failing test\n- then run the linter", "--help me with this", "--version", "-p", "--", "-x -- y"]

    @Test("After `--`, with the options before it: claude, claude-stream, codex, simulate", arguments: [
        BuiltinProfiles.claude, BuiltinProfiles.claudeStream, BuiltinProfiles.codex, BuiltinProfiles.simulate,
    ])
    func afterSeparator(profile: AgentProfile) throws {
        let options = AgentOptions(model: "sonnet", maxTurns: 3, allowedTools: ["Read"], systemPrompt: "say {prompt}")
        for prompt in Self.hostile {
            let run = try invocation(profile, prompt, options: options)
            #expect(run.standardInput == nil)
            let separator = try #require(run.arguments.firstIndex(of: "--"), "\(profile.name): \(run.arguments)")
            #expect(Array(run.arguments[(separator + 1)...]) == [prompt], "\(profile.name): \(run.arguments)")
            if profile.style == .claude {
                for flag in ["--model", "--max-turns", "--allowedTools", "--system-prompt", "--output-format"] {
                    let index = try #require(run.arguments.firstIndex(of: flag), "\(flag) missing")
                    #expect(index < separator)
                }
                #expect(run.arguments.contains("say {prompt}"), "option values are never searched for {prompt}")
                #expect(run.arguments.first == "-p")
            }
        }
    }

    @Test("Gemini reads every prompt from stdin; its options stay arguments")
    func geminiOnStdin() throws {
        for prompt in Self.hostile + ["plain words"] {
            let run = try invocation(BuiltinProfiles.gemini, prompt, options: AgentOptions(model: "gemini-2.5-pro"))
            #expect(run.standardInput == Data(prompt.utf8))
            #expect(run.arguments == ["--model", "gemini-2.5-pro"])
        }
    }

    @Test("A prompt of `-` goes on stdin where `-` means stdin (codex, simulate)")
    func dashPrompt() throws {
        for profile in [BuiltinProfiles.codex, BuiltinProfiles.simulate] {
            let run = try invocation(profile, "-")
            #expect(run.standardInput == Data("-".utf8))
            #expect(run.arguments.suffix(2) == ["--", "-"])
        }
        let claude = try invocation(BuiltinProfiles.claude, "-")
        #expect(claude.standardInput == nil)
        #expect(claude.arguments.suffix(2) == ["--", "-"])
    }

    @Test("One argument holds 131,071 bytes; one more and the prompt goes on stdin")
    func longestArgument() throws {
        let longest = String(repeating: "a", count: ArgumentLimits.longestArgument)
        let fits = try invocation(BuiltinProfiles.claude, longest)
        #expect(fits.standardInput == nil)
        #expect(fits.arguments.last == longest)

        let long = longest + "b"
        let claude = try invocation(BuiltinProfiles.claude, long, options: AgentOptions(model: "opus"))
        #expect(claude.standardInput == Data(long.utf8))
        #expect(claude.arguments == ["-p", "--output-format", "json", "--model", "opus"], "the `--` goes with the prompt")
        let codex = try invocation(BuiltinProfiles.codex, long)
        #expect(codex.standardInput == Data(long.utf8))
        #expect(codex.arguments == ["exec", "--json", "--", "-"])
        let simulate = try invocation(BuiltinProfiles.simulate, String(repeating: "x ", count: 100_000))
        #expect(simulate.arguments == ["__simulate-agent", "--", "-"])
        #expect(simulate.executable == "/bin/sh", "the simulated agent is agent-turbo itself")
    }

    @Test("Arguments and environment over ARG_MAX together: the prompt goes on stdin")
    func wholeCommandLine() throws {
        let prompt = String(repeating: "p", count: 100_000)
        var environment = ["PATH": "/usr/bin:/bin"]
        var size = 0
        var index = 0
        while size < ArgumentLimits.total - 60_000 {
            environment["FILLER_\(index)"] = String(repeating: "e", count: 50_000)
            size += 50_010
            index += 1
        }
        let run = try invocation(BuiltinProfiles.claude, prompt, environment: environment)
        #expect(run.standardInput == Data(prompt.utf8))
        let small = try invocation(BuiltinProfiles.claude, "short", environment: environment)
        #expect(small.standardInput == nil)
    }

    @Test("A program that cannot read stdin: too long a prompt is refused, at submit and at launch")
    func noStdin() throws {
        var profiles = AgentProfiles()
        try profiles.apply(["lint": try decode(#"{"executable": "/bin/echo", "arguments": ["--text={prompt}", "{prompt}"]}"#)])
        let lint = try #require(profiles["lint"])
        #expect(lint.longestPrompt == (ArgumentLimits.longestArgument - 7))
        let catalog = profiles.catalog
        let fitting = NewTask(taskDescription: String(repeating: "a", count: lint.longestPrompt!), agent: "lint")
        try catalog.check(fitting)
        let tooLong = NewTask(taskDescription: String(repeating: "a", count: lint.longestPrompt! + 1), agent: "lint")
        let refused = #expect(throws: InputError.self) { try catalog.check(tooLong) }
        #expect(refused?.message.contains("131064 bytes") == true)
        #expect(refused?.message.contains("128 KiB") == true)
        try catalog.check(NewTask(taskDescription: String(repeating: "a", count: 500_000), agent: "claude"))

        let launch = #expect(throws: LaunchError.self) { try invocation(lint, tooLong.taskDescription) }
        #expect(launch?.kind == .invalidTask)
        #expect(launch?.message.contains("E2BIG") == true)
    }

    @Test("The catalog refuses an unknown agent with the known names, and an unconfigured `command`")
    func catalog() throws {
        let catalog = AgentProfiles().catalog
        let unknown = #expect(throws: InputError.self) { try catalog.check(NewTask(taskDescription: "x", agent: "nobody")) }
        #expect(unknown?.message == "unknown agent 'nobody': the profiles are claude, claude-stream, codex, command, gemini, simulate (add one under \"profiles\" in the config file)")
        let command = #expect(throws: InputError.self) { try catalog.check(NewTask(taskDescription: "x", agent: "command")) }
        #expect(command?.message.contains("profiles.command.executable") == true)
        for name in ["claude", "claude-stream", "codex", "gemini", "simulate"] {
            try catalog.check(NewTask(taskDescription: String(repeating: "x", count: 1 << 20), agent: name))
        }
    }

    @Test("extra_arguments go before `--`; a new template forgets how the old program read stdin")
    func configOverrides() throws {
        var profiles = AgentProfiles()
        try profiles.apply([
            "claude": try decode(#"{"extra_arguments": ["--permission-mode", "plan"]}"#),
            "codex": try decode(#"{"arguments": ["exec", "{prompt}"]}"#),
        ])
        let claude = try #require(profiles["claude"])
        #expect(claude.arguments == ["-p", "--output-format", "json", "--permission-mode", "plan", "--", "{prompt}"])
        #expect(claude.readsStdin)
        #expect(try #require(profiles["codex"]).readsStdin == false)
        let bad = #expect(throws: InputError.self) { try profiles.apply(["claude": try decode(#"{"pass_environment": ["A*B"]}"#)]) }
        #expect(bad?.message.contains("pass_environment") == true)
    }
}

func decode(_ json: String) throws -> ProfileOverride {
    try JSONDecoder().decode(ProfileOverride.self, from: Data(json.utf8))
}
