import AgentTurboAgents
import AgentTurboCore
import Foundation
import Synchronization

/// Runs a repository's setup command in a task's worktree before the agent: under a supervisor of its own
/// (the same guarantees as an agent: its own process group, killed with everything it started when the worker
/// dies), its output in the attempt's spool so that it is in the task's log, with its own timeout. A cancel
/// request, the drain or a lease about to run out stop it as they would stop the agent.
struct SetupRunner: Sendable {
    let command: [String]
    let timeout: Duration
    let killGrace: Duration

    enum Outcome: Sendable {
        case succeeded(storedBytes: Int)
        case failed(String)
        case stopped(StopReason)
    }

    /// How often the runner looks at the clock and the attempt's control while the command runs.
    static let pollInterval: Duration = .milliseconds(100)

    func run(
        in directory: String, environment: [String: String], folder: AttemptFolder, control: AttemptControl,
        options: AgentProcess.Options
    ) async -> Outcome {
        let shown = command.joined(separator: " ")
        guard let program = ExecutableLocator.locate(command[0], path: environment["PATH"], relativeTo: directory) else {
            return .failed("the setup command's program '\(command[0])' was not found (PATH=\(environment["PATH"] ?? ""))")
        }
        var options = options
        options.statusFileName = "setup.status"
        options.outputCapBytes = max(64 << 10, options.outputCapBytes / 4)
        let invocation = AgentInvocation(
            executable: program, arguments: Array(command.dropFirst()), environment: environment,
            workingDirectory: directory, standardInput: nil
        )
        let process: AgentProcess
        do {
            process = try AgentProcess.launch(invocation, in: folder.path, options: options)
        } catch {
            return .failed("the setup command \(shown) could not start: \(error.message)")
        }
        let exit = Mutex<ProcessExit?>(nil)
        let waiting = Task {
            let ended = await process.waitForExit()
            exit.withLock { $0 = ended }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var stop: (reason: StopReason?, at: ContinuousClock.Instant)?
        var killed = false
        var forced = false
        while exit.withLock({ $0 }) == nil {
            let now = clock.now
            if stop == nil {
                if await control.fenceIsDue {
                    await control.stop(.fenced)
                }
                if let reason = await control.reason {
                    stop = (reason, now)
                } else if now >= deadline {
                    stop = (nil, now)
                }
                if stop != nil {
                    process.terminate()
                }
            } else if let stop, !killed, now >= stop.at + killGrace {
                killed = true
                process.kill()
            } else if let stop, killed, !forced, now >= stop.at + killGrace + .seconds(5) {
                forced = true
                process.forceKill()
            }
            await sleepThroughCancellation(for: Self.pollInterval)
        }
        await waiting.value
        // Ends the setup's supervisor kept past its own cap are not the agent's.
        for name in ["stdout.tail", "stderr.tail"] {
            try? FileManager.default.removeItem(atPath: folder.path + "/" + name)
        }
        let ended = exit.withLock { $0 }!
        if let stop {
            if let reason = stop.reason {
                return .stopped(reason)
            }
            return .failed("the setup command \(shown) timed out after \(Int(timeout.seconds)) s and was stopped")
        }
        if let failure = ended.launchFailure {
            return .failed("the setup command \(shown) could not start (\(failure.stage)): \(failure.message)")
        }
        switch ended.status {
        case .exited(0):
            return .succeeded(storedBytes: ended.output.storedBytes)
        case .exited(let code):
            return .failed("the setup command \(shown) exited with status \(code)")
        case .signaled(let signal):
            return .failed("the setup command \(shown) was killed by signal \(signal)")
        }
    }
}
