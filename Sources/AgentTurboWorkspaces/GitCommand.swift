import CAgentSupport
import Foundation

/// One run of `git`: argv only (never a shell), its own process group, standard input from `/dev/null`, both
/// outputs read to their end, and a deadline after which the whole group is killed.
///
/// Every run turns off what could make git wait for a person or run the repository's own programs: no
/// terminal prompts, no pager, no hooks, no automatic `gc`, no commit signing.
struct GitCommand: Sendable {
    /// What one run produced.
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var timedOut = false

        var succeeded: Bool { status == 0 && !timedOut }
        var text: String { String(decoding: stdout, as: UTF8.self) }
        /// The first line of stdout, without its newline.
        var line: String { text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }
        var errorText: String { String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The git executable (found in `PATH` once).
    var executable: String
    /// The environment every run starts from.
    var environment: [String: String]
    /// The longest one run may take.
    var timeout: Duration

    /// Settings given on every command line, ahead of the subcommand.
    static let safetySettings = [
        "-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
        "-c", "core.quotePath=false", "-c", "advice.detachedHead=false",
    ]

    /// Variables that would point git at another repository, index or work tree than the one named.
    static let removedVariables = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE",
        "GIT_CEILING_DIRECTORIES", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_PREFIX",
    ]

    init(environment: [String: String], timeout: Duration = .seconds(300)) throws(WorkspaceError) {
        var environment = environment
        for name in Self.removedVariables {
            environment.removeValue(forKey: name)
        }
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_PAGER"] = "cat"
        environment["LC_ALL"] = "C"
        guard let git = Self.locate(path: environment["PATH"]) else {
            throw WorkspaceError(.gitMissing, "git was not found in PATH (\(environment["PATH"] ?? "")): install git on this host")
        }
        self.executable = git
        self.environment = environment
        self.timeout = timeout
    }

    private static func locate(path: String?) -> String? {
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/git"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// Runs `git -C directory <arguments>`; `extraEnvironment` is added for this run only.
    func run(in directory: String, _ arguments: [String], extraEnvironment: [String: String] = [:]) async throws(WorkspaceError) -> Output {
        let argv = [executable, "-C", directory] + Self.safetySettings + arguments
        let environment = self.environment.merging(extraEnvironment) { $1 }
        let envp = environment.map { "\($0.key)=\($0.value)" }.sorted()
        let executable = executable
        let deadline = timeout
        let result: Result<Output, WorkspaceError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Self.spawnAndCollect(executable, argv, envp, deadline: deadline))
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
        return try result.get()
    }

    /// Runs and throws unless git succeeded; the error names the command and says what git said.
    @discardableResult
    func check(in directory: String, _ arguments: [String], extraEnvironment: [String: String] = [:]) async throws(WorkspaceError) -> Output {
        let output = try await run(in: directory, arguments, extraEnvironment: extraEnvironment)
        guard output.succeeded else {
            throw WorkspaceError.gitFailed(arguments, in: directory, output)
        }
        return output
    }

    /// Starts git and reads stdout and stderr together until both end, killing its group at the deadline.
    private static func spawnAndCollect(_ executable: String, _ argv: [String], _ envp: [String], deadline: Duration) -> Result<Output, WorkspaceError> {
        var out: [CInt] = [-1, -1]
        var err: [CInt] = [-1, -1]
        guard makePipe(&out), makePipe(&err) else {
            closeAll(out + err)
            return .failure(WorkspaceError(.gitFailed, "cannot make a pipe for git: \(String(cString: strerror(errno)))"))
        }
        var spawnError: CInt = 0
        let pid = withCStringArray(argv) { argvPointers in
            withCStringArray(envp) { envPointers in
                executable.withCString { path in
                    var request = at_spawn_request(
                        path: path, argv: argvPointers, envp: envPointers, cwd: nil, stdin_fd: -1, stdout_fd: out[1],
                        stderr_fd: err[1], inherit_fd: -1, new_process_group: 1, new_session: 0, portable: 0
                    )
                    return at_spawn(&request, &spawnError)
                }
            }
        }
        close(out[1])
        close(err[1])
        guard pid > 0 else {
            closeAll([out[0], err[0]])
            return .failure(WorkspaceError(.gitFailed, "cannot start git (\(executable)): \(String(cString: strerror(spawnError)))"))
        }
        var stdout = Data()
        var stderr = Data()
        var open = [out[0], err[0]]
        let end = at_monotonic_ns() + UInt64(deadline.components.seconds) * 1_000_000_000
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.contains(where: { $0 >= 0 }) {
            let now = at_monotonic_ns()
            if now >= end, !timedOut {
                timedOut = true
                _ = at_signal_group(pid, SIGKILL)
            }
            var fds = open.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = timedOut ? 1000 : Int32(min(1000, (end - now) / 1_000_000 + 1))
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0, errno != EINTR {
                break
            }
            for entry in fds where entry.revents != 0 {
                let n = read(entry.fd, &buffer, buffer.count)
                if n > 0 {
                    if entry.fd == out[0] { stdout.append(buffer, count: n) } else { stderr.append(buffer, count: n) }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    open = open.map { $0 == entry.fd ? -1 : $0 }
                }
            }
            if timedOut, at_monotonic_ns() > end + 5_000_000_000 {
                // Something outside the group holds the pipes open: stop reading.
                break
            }
        }
        closeAll(open.filter { $0 >= 0 })
        var status: CInt = 0
        var usage = rusage()
        _ = at_reap(pid, &status, &usage)
        let code: Int32 = at_signaled(status) != 0 ? 128 + at_term_signal(status) : at_exit_code(status)
        return .success(Output(status: code, stdout: stdout, stderr: stderr, timedOut: timedOut))
    }

    private static func makePipe(_ fds: inout [CInt]) -> Bool {
        var raw: [CInt] = [-1, -1]
        guard pipe(&raw) == 0 else { return false }
        for fd in raw {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fds = raw
        return true
    }

    private static func closeAll(_ fds: [CInt]) {
        for fd in fds where fd >= 0 {
            close(fd)
        }
    }

    private static func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer {
            for pointer in pointers {
                free(pointer)
            }
        }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
