import AgentTurboCore
import CAgentSupport
import Foundation
import Synchronization

/// A running attempt: the agent under its own `agent-turbo-supervise`, which holds the agent's output pipes,
/// writes what it prints to the attempt's spool, and reports how it ended in the attempt's status file.
///
/// The worker never touches the agent's pipes or its process group: it signals the supervisor (SIGTERM asks
/// the agent to stop, SIGUSR1 kills it and everything it started) and waits for the supervisor to end. The
/// supervisor's pid is never signalled after it has been reaped, so it cannot hit a stranger.
public final class AgentProcess: Sendable {
    public let supervisorPID: pid_t
    /// The attempt's folder: `spool`, `status`, the prompt when it goes on stdin.
    public let folder: String
    public let startedAt: MonotonicInstant
    /// The status file (`status`, or another name for a setup command run before the agent).
    public let statusPath: String
    /// Where the spool ended when this process started: its own records come after (a setup command's
    /// and agent-turbo's notes may come before).
    private let spoolOffset: Int
    private let reaped = Mutex(false)

    /// How supervisors are started.
    public struct Options: Sendable {
        /// The `agent-turbo-supervise` executable.
        public var supervisor: String
        public var outputCapBytes: Int
        public var backend: ProcessBackend
        /// How long the output pipes may stay open after the agent ended (a process out of reach holding them).
        public var drainMilliseconds: Int
        /// The status file's name in the folder.
        public var statusFileName = "status"

        public init(supervisor: String, outputCapBytes: Int, backend: ProcessBackend = .current, drainMilliseconds: Int = 1000) {
            self.supervisor = supervisor
            self.outputCapBytes = outputCapBytes
            self.backend = backend
            self.drainMilliseconds = drainMilliseconds
        }
    }

    private init(supervisorPID: pid_t, folder: String, startedAt: MonotonicInstant, statusPath: String, spoolOffset: Int) {
        self.supervisorPID = supervisorPID
        self.folder = folder
        self.startedAt = startedAt
        self.statusPath = statusPath
        self.spoolOffset = spoolOffset
    }

    public var spoolPath: String { folder + "/spool" }

    /// Starts `invocation` under a supervisor whose spool and status go to `folder` (which must exist).
    public static func launch(_ invocation: AgentInvocation, in folder: String, options: Options) throws(LaunchError) -> AgentProcess {
        let lifeline: CInt
        switch Lifeline.readEnd {
        case .success(let descriptor): lifeline = descriptor
        case .failure(let error): throw LaunchError(.crashed, "cannot make the worker's lifeline pipe: \(error.localizedDescription)")
        }
        var argv = [
            options.supervisor, "--spool", folder, "--watch-fd", "3", "--output-cap", String(options.outputCapBytes),
            "--drain-ms", String(options.drainMilliseconds),
        ]
        if let prompt = invocation.standardInput {
            // Through a file, not a pipe: nothing to keep fed, and the agent reads it at its own pace.
            let path = folder + "/prompt"
            do {
                try ScratchFile.write(prompt, to: path)
            } catch {
                throw LaunchError(.crashed, "cannot write the prompt to \(path): \(error.localizedDescription)")
            }
            argv += ["--stdin", path]
        }
        if let directory = invocation.workingDirectory {
            argv += ["--cwd", directory]
        }
        let statusPath = folder + "/" + options.statusFileName
        if options.statusFileName != "status" {
            argv += ["--status", statusPath]
        }
        if options.backend.isPortable {
            argv.append("--posix")
        }
        let spoolOffset = ((try? FileManager.default.attributesOfItem(atPath: folder + "/spool"))?[.size] as? Int) ?? 0
        argv += ["--", invocation.executable] + invocation.arguments
        let envp = invocation.environment.map { "\($0.key)=\($0.value)" }.sorted()
        var spawnError: CInt = 0
        let startedAt = MonotonicInstant.now
        let pid = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                options.supervisor.withCString { path in
                    var request = at_spawn_request(
                        path: path, argv: argvPointers, envp: envPointers, cwd: nil, stdin_fd: -1, stdout_fd: -1,
                        stderr_fd: -1, inherit_fd: lifeline, new_process_group: 1, new_session: 0,
                        portable: options.backend.isPortable ? 1 : 0
                    )
                    return at_spawn(&request, &spawnError)
                }
            }
        }
        guard pid > 0 else {
            switch spawnError {
            case E2BIG:
                throw LaunchError(
                    .invalidTask,
                    "the agent's command line and environment are too long for one program (E2BIG): give the profile prompt_delivery stdin or shorten the prompt"
                )
            case ENOENT, EACCES:
                throw LaunchError(.crashed, "cannot start the supervisor \(options.supervisor): \(String(cString: strerror(spawnError)))")
            default:
                throw LaunchError(.crashed, "cannot start the agent's supervisor: \(String(cString: strerror(spawnError)))")
            }
        }
        return AgentProcess(supervisorPID: pid, folder: folder, startedAt: startedAt, statusPath: statusPath, spoolOffset: spoolOffset)
    }

    /// Asks the agent to stop: the supervisor relays SIGTERM to the agent's process group.
    public func terminate() {
        signal(SIGTERM)
    }

    /// The supervisor kills the agent and every process it started, in whatever group or session.
    public func kill() {
        signal(SIGUSR1)
    }

    /// The last resort when the supervisor does not answer: SIGKILL to it and to the agent's group.
    public func forceKill() {
        let agent = agentPID
        reaped.withLock { reaped in
            guard !reaped else { return }
            if let agent {
                _ = at_signal_group(agent, SIGKILL)
            }
            _ = at_signal_process(supervisorPID, SIGKILL)
        }
    }

    private func signal(_ number: CInt) {
        reaped.withLock { reaped in
            if !reaped {
                _ = at_signal_process(supervisorPID, number)
            }
        }
    }

    /// The agent's pid (and process group), from the supervisor's first record in the spool; `nil` before it
    /// started.
    public var agentPID: pid_t? {
        let reader = SpoolReader(path: spoolPath)
        reader.rewind(to: SpoolReader.Position(offset: spoolOffset, records: 0))
        guard let first = reader.read(maximumBytes: 1).first, first.kind == .pid else { return nil }
        return pid_t(String(decoding: first.data, as: UTF8.self))
    }

    /// Waits on a thread of its own until the supervisor ends, reaps it, and reads how the agent ended.
    public func waitForExit() async -> ProcessExit {
        let pid = supervisorPID
        let startedAt = startedAt
        let statusPath = statusPath
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                _ = at_wait_exited(pid)
                var status: CInt = 0
                var usage = rusage()
                self.reaped.withLock { reaped in
                    _ = at_reap(pid, &status, &usage)
                    reaped = true
                }
                if let exit = ProcessExit.read(statusFile: statusPath) {
                    continuation.resume(returning: exit)
                    return
                }
                // No status: the supervisor was killed or failed; its own wait status and totals are all there is.
                // Its agent may still run, reparented away from it: its process group goes now, so a retry never
                // runs beside it (a descendant in a session of its own is out of reach, the subreaper being gone).
                if let agent = self.agentPID {
                    _ = at_signal_group(agent, SIGKILL)
                }
                var exit = ProcessExit(
                    status: at_signaled(status) != 0 ? .signaled(Int(at_term_signal(status))) : .exited(Int(at_exit_code(status))),
                    peakMemoryBytes: ResourceUsage.peakBytes(usage),
                    userCPUSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
                    systemCPUSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
                    wallSeconds: (MonotonicInstant.now - startedAt).seconds
                )
                exit.supervisorFailed = true
                exit.endedAt = .now
                continuation.resume(returning: exit)
            }
            thread.stackSize = 128 * 1024
            thread.start()
        }
    }

    /// The `agent-turbo-supervise` beside the running executable.
    public static var supervisorBesideExecutable: String {
        URL(fileURLWithPath: currentExecutable).deletingLastPathComponent().appendingPathComponent("agent-turbo-supervise").path
    }

    /// The path of the running executable.
    public static var currentExecutable: String {
        Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}

/// Reading `struct rusage` the same way on every platform.
enum ResourceUsage {
    /// `ru_maxrss` in bytes: Linux counts KiB, macOS bytes.
    static func peakBytes(_ usage: rusage) -> Int {
        #if os(Linux)
        Int(usage.ru_maxrss) * 1024
        #else
        Int(usage.ru_maxrss)
        #endif
    }
}

/// Runs `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer {
        for pointer in pointers {
            free(pointer)
        }
    }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
