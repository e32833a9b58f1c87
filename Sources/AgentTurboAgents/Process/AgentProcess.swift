import CAgentSupport
import Foundation
import Synchronization

/// A running agent: started through agent-turbo's supervisor in a process group of its own, with its stdout
/// and stderr on pipes. The group id is the supervisor's pid.
///
/// The supervisor (`agent-turbo __supervise`) kills the whole group if the worker dies, even by `kill -9`,
/// and otherwise ends exactly as the agent ended. After it ends the worker kills whatever is left in the group
/// (a grandchild that outlived the agent) before it reaps the supervisor, so the group id cannot be reused
/// while it is being signalled.
public final class AgentProcess: Sendable {
    public let pid: pid_t
    /// Read ends of the agent's stdout and stderr; ownership passes to whoever reads them.
    public let stdoutDescriptor: CInt
    public let stderrDescriptor: CInt
    let startedAt: ContinuousClock.Instant
    /// Set once the supervisor is reaped; after that its pid may belong to someone else and is never signalled.
    private let reaped = Mutex(false)

    private init(pid: pid_t, stdout: CInt, stderr: CInt) {
        self.pid = pid
        self.stdoutDescriptor = stdout
        self.stderrDescriptor = stderr
        self.startedAt = .now
    }

    /// Starts `invocation` under the supervisor found at `toolExecutable`.
    public static func launch(_ invocation: AgentInvocation, toolExecutable: String) throws -> AgentProcess {
        var output: [CInt] = [-1, -1]
        var errors: [CInt] = [-1, -1]
        var input: [CInt] = [-1, -1]
        func closeAll() {
            for fd in output + errors + input where fd >= 0 {
                close(fd)
            }
        }
        guard at_pipe(&output) == 0, at_pipe(&errors) == 0 else {
            let code = errno
            closeAll()
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        if invocation.standardInput != nil, at_pipe(&input) != 0 {
            let code = errno
            closeAll()
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        let argv = [toolExecutable, "__supervise", String(getpid()), invocation.executable] + invocation.arguments
        let envp = invocation.environment.map { "\($0.key)=\($0.value)" }.sorted()
        var spawnError: CInt = 0
        let pid = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                toolExecutable.withCString { path in
                    withOptionalCString(invocation.workingDirectory) { cwd in
                        var request = at_spawn_request(
                            path: path, argv: argvPointers, envp: envPointers, cwd: cwd,
                            stdin_fd: input[0], stdout_fd: output[1], stderr_fd: errors[1], new_process_group: 1,
                            new_session: 0
                        )
                        return at_spawn(&request, &spawnError)
                    }
                }
            }
        }
        close(output[1])
        close(errors[1])
        if input[0] >= 0 {
            close(input[0])
        }
        guard pid > 0 else {
            close(output[0])
            close(errors[0])
            if input[1] >= 0 {
                close(input[1])
            }
            throw POSIXError(POSIXErrorCode(rawValue: spawnError) ?? .EIO)
        }
        if let data = invocation.standardInput {
            Self.write(data, to: input[1])
        }
        return AgentProcess(pid: pid, stdout: output[0], stderr: errors[0])
    }

    /// Feeds the prompt on a thread of its own, so that a prompt larger than the pipe never blocks the worker.
    private static func write(_ data: Data, to descriptor: CInt) {
        let thread = Thread {
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        break
                    }
                    offset += written
                }
            }
            close(descriptor)
        }
        thread.start()
    }

    /// Sends a signal to the whole process group (agent, supervisor and anything they started in it): SIGTERM
    /// asks the agent to stop; the supervisor ignores it.
    public func signalGroup(_ signal: CInt) {
        reaped.withLock { reaped in
            if !reaped {
                _ = at_signal_group(pid, signal)
            }
        }
    }

    /// Asks the supervisor to SIGKILL the agent and every process it started, in whatever group or session;
    /// the supervisor then ends as the agent did.
    public func kill() {
        reaped.withLock { reaped in
            if !reaped {
                _ = at_signal_process(pid, SIGUSR1)
            }
        }
    }

    /// Waits on a thread of its own until the supervisor ends, kills what is left of the group, then reaps it.
    public func waitForExit() async -> ProcessExit {
        let pid = pid
        let startedAt = startedAt
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                _ = at_wait_exited(pid)
                var status: CInt = 0
                var usage = rusage()
                self.reaped.withLock { reaped in
                    // The supervisor is a zombie: its group id cannot be reused until it is reaped.
                    _ = at_signal_group(pid, SIGKILL)
                    _ = at_reap(pid, &status, &usage)
                    reaped = true
                }
                let exitStatus: ProcessExit.Status = at_signaled(status) != 0
                    ? .signaled(Int(at_term_signal(status))) : .exited(Int(at_exit_code(status)))
                continuation.resume(
                    returning: ProcessExit(
                        status: exitStatus,
                        peakMemoryBytes: Int(usage.ru_maxrss) * 1024,
                        userCPUSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
                        systemCPUSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
                        wallSeconds: (ContinuousClock.now - startedAt).seconds
                    )
                )
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
    }

    /// The path of the running agent-turbo executable.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
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

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
