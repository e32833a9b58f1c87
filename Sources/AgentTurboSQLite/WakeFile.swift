import AgentTurboCore
import AgentTurboSQL
import Foundation
import Synchronization

/// Wake-ups between processes sharing one SQLite file: after a commit that adds or frees work, a writer
/// touches `<database>-wake`; every process that listens watches that file with inotify and turns a change
/// into a store hint. A hint may be lost or doubled; workers keep their poll as the fallback.
/// `AGENT_TURBO_SQLITE_WAKE_FILE=0` turns it off (then other processes learn of new work by polling only).
final class WakeFile: Sendable {
    let path: String
    let enabled: Bool
    private let broadcaster: EventBroadcaster
    private let watcher = Mutex<Thread?>(nil)
    private let stopping = Mutex(false)

    init(databasePath: String, broadcaster: EventBroadcaster) {
        path = databasePath + "-wake"
        self.broadcaster = broadcaster
        enabled = ProcessInfo.processInfo.environment["AGENT_TURBO_SQLITE_WAKE_FILE"] != "0"
    }

    /// Tells other processes that something changed.
    func touch() {
        guard enabled else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = pwrite(fd, &byte, 1, 0)
        close(fd)
    }

    /// Starts watching, once; changes become `.changed` hints for this process's subscribers. The watch is in
    /// place when this returns, so a change made after it is not missed.
    func startWatching() {
        guard enabled else { return }
        watcher.withLock { watcher in
            guard watcher == nil else { return }
            touch()
            let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            guard inotify >= 0 else { return }
            guard inotify_add_watch(inotify, path, UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB)) >= 0 else {
                close(inotify)
                return
            }
            let thread = Thread { [self] in self.watch(inotify) }
            thread.name = "agent-turbo sqlite wake"
            thread.stackSize = 256 * 1024
            watcher = thread
            thread.start()
        }
    }

    func stop() {
        stopping.withLock { $0 = true }
    }

    private func watch(_ inotify: Int32) {
        defer { close(inotify) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.withLock({ $0 }) {
            var descriptor = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 500) > 0 else { continue }
            var changed = false
            while read(inotify, &buffer, buffer.count) > 0 {
                changed = true
            }
            if changed {
                broadcaster.publish([.changed])
            }
        }
    }
}
