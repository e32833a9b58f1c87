import AgentTurboCore
import AgentTurboSQL
import Foundation
import Synchronization

#if os(Linux)
/// Wake-ups between processes through inotify (Linux): after a commit that adds or frees work, a writer
/// touches `<database>-wake`; every process that listens watches that file with inotify and turns a change
/// into a store hint. A hint may be lost or doubled; workers keep their poll as the fallback.
final class WakeFile: Sendable {
    let path: String
    private let broadcaster: EventBroadcaster
    private let watcher = Mutex<Thread?>(nil)
    private let stopping = Mutex(false)

    init(databasePath: String, broadcaster: EventBroadcaster) {
        path = databasePath + "-wake"
        self.broadcaster = broadcaster
    }

    /// Tells other processes that something changed.
    func touch() {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = pwrite(fd, &byte, 1, 0)
        close(fd)
    }

    /// Starts watching, once; changes become `.changed` hints for this process's subscribers. The watch is in
    /// place when this returns, so a change made after it is not missed. It watches the folder for the file's
    /// name rather than the file itself, so a wake file deleted and made again by the next touch still counts.
    func startWatching() {
        watcher.withLock { watcher in
            guard watcher == nil else { return }
            let url = URL(fileURLWithPath: path)
            let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            guard inotify >= 0 else { return }
            let mask = UInt32(IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_MOVED_TO)
            guard inotify_add_watch(inotify, url.deletingLastPathComponent().path, mask) >= 0 else {
                close(inotify)
                return
            }
            let name = url.lastPathComponent
            let thread = Thread { [self] in self.watch(inotify, name: name) }
            thread.name = "agent-turbo sqlite wake"
            thread.stackSize = 256 * 1024
            watcher = thread
            thread.start()
        }
    }

    func stop() {
        stopping.withLock { $0 = true }
    }

    private func watch(_ inotify: Int32, name: String) {
        defer { close(inotify) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        while !stopping.withLock({ $0 }) {
            var descriptor = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 500) > 0 else { continue }
            var changed = false
            while true {
                let count = read(inotify, &buffer, buffer.count)
                guard count > 0 else { break }
                changed = changed || Self.names(in: buffer[0..<count]).contains(name)
            }
            if changed {
                broadcaster.publish([.changed])
            }
        }
    }

    /// The file names in a run of `struct inotify_event`s: wd, mask, cookie, len (4 bytes each), then `len`
    /// bytes of name padded with NULs.
    static func names(in events: ArraySlice<UInt8>) -> [String] {
        var names: [String] = []
        var offset = events.startIndex
        while offset + 16 <= events.endIndex {
            let length = events[(offset + 12)..<(offset + 16)].withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self)) }
            let start = offset + 16
            let end = min(events.endIndex, start + length)
            let bytes = events[start..<end].prefix { $0 != 0 }
            names.append(String(decoding: bytes, as: UTF8.self))
            offset = end
        }
        return names
    }
}
#endif
