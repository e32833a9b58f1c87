import AgentTurboCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file, shared by every process on the host: the kernel drops it when its holder
/// dies, so a lock is never left behind by a killed worker. Taken without blocking a thread: tries every
/// 20 ms until `wait` has passed, also in a cancelled task (the holder it waits for needs a thread to finish on).
final class FileLock: Sendable {
    let path: String
    private let descriptor: Mutex<CInt>

    private init(path: String, descriptor: CInt) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        release()
    }

    /// Lets go of the lock (also when the object goes away).
    func release() {
        descriptor.withLock { fd in
            if fd >= 0 {
                close(fd)
                fd = -1
            }
        }
    }

    /// Takes the lock, or throws `busy` after `wait`. The file is created if needed and never deleted while
    /// locked by someone else (see ``removeFile()``).
    static func acquire(_ path: String, wait: Duration, what: String) async throws(WorkspaceError) -> FileLock {
        let clock = ContinuousClock()
        let giveUp = clock.now + wait
        while true {
            if let lock = try tryAcquire(path) {
                return lock
            }
            guard clock.now < giveUp else {
                throw WorkspaceError(.busy, "\(what) stayed locked by another process for \(wait) (\(path)): try again later")
            }
            await sleepThroughCancellation(for: .milliseconds(20))
        }
    }

    /// Takes the lock if it is free now; `nil` if another process holds it.
    static func tryAcquire(_ path: String) throws(WorkspaceError) -> FileLock? {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw WorkspaceError(.busy, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return nil
            }
            // The holder before us may have deleted the file after we opened it: then our lock is on a file
            // nobody else will open, and the one at the path is the real one.
            var opened = stat()
            var named = stat()
            if fstat(fd, &opened) == 0, stat(path, &named) == 0, opened.st_ino == named.st_ino, opened.st_dev == named.st_dev {
                return FileLock(path: path, descriptor: fd)
            }
            close(fd)
        }
    }

    /// Deletes the lock file while holding the lock (a process that opened it meanwhile sees the change and
    /// opens the path again).
    func removeFile() {
        unlink(path)
    }
}
