import AgentTurboCore
import AgentTurboSQL
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
private let datagram = Int32(SOCK_DGRAM.rawValue)
#else
import Darwin
private let datagram = SOCK_DGRAM
#endif

/// Wake-ups between processes that works on every POSIX system (macOS included): each listening process binds
/// a UNIX datagram socket in a folder next to the database (`<database>-wake.d/<pid>.sock`); a writer sends a
/// byte to every socket there. A socket whose process is gone refuses the byte and is removed. Like the inotify
/// wake file, a hint may be lost or doubled; workers keep their poll as the fallback.
final class WakeSockets: Sendable {
    let folder: String
    private let ownPath: String
    private let broadcaster: EventBroadcaster
    private let listening = Mutex<(descriptor: Int32, thread: Thread)?>(nil)
    private let stopping = Mutex(false)
    private let sender = Mutex<Int32>(-1)

    init(databasePath: String, broadcaster: EventBroadcaster) {
        self.broadcaster = broadcaster
        folder = Self.folder(for: databasePath)
        ownPath = "\(folder)/\(getpid()).sock"
    }

    /// The folder beside the database, or one under /tmp named after it when a socket path there would be
    /// longer than `sun_path` allows (104 bytes on macOS).
    static func folder(for databasePath: String) -> String {
        let beside = databasePath + "-wake.d"
        if beside.utf8.count + 20 < 100 {
            return beside
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in databasePath.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return "/tmp/agent-turbo-wake-\(String(hash, radix: 16))"
    }

    /// Tells every listening process that something changed.
    func notify() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let descriptor = sender.withLock { descriptor in
            if descriptor < 0 {
                descriptor = socket(AF_UNIX, datagram, 0)
                if descriptor >= 0 {
                    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                    _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                }
            }
            return descriptor
        }
        guard descriptor >= 0 else { return }
        for name in names where name.hasSuffix(".sock") {
            let path = folder + "/" + name
            guard path != ownPath else { continue }
            var byte: UInt8 = 1
            let sent = Self.withAddress(path) { address, length in sendto(descriptor, &byte, 1, 0, address, length) }
            if sent < 0, errno == ECONNREFUSED || errno == ENOENT {
                unlink(path)
            }
        }
    }

    /// Binds this process's socket and turns every byte that arrives into a `.changed` hint. The socket is
    /// bound when this returns, so a change made after it is not missed.
    func startListening() {
        listening.withLock { listening in
            guard listening == nil else { return }
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let descriptor = socket(AF_UNIX, datagram, 0)
            guard descriptor >= 0 else { return }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            unlink(ownPath)
            let bound = Self.withAddress(ownPath) { address, length in bind(descriptor, address, length) }
            guard bound == 0 else {
                close(descriptor)
                return
            }
            let thread = Thread { [self] in self.receive(descriptor) }
            thread.name = "agent-turbo sqlite wake"
            thread.stackSize = 256 * 1024
            listening = (descriptor, thread)
            thread.start()
        }
    }

    func stop() {
        stopping.withLock { $0 = true }
        if listening.withLock({ $0 }) != nil {
            unlink(ownPath)
        }
    }

    private func receive(_ descriptor: Int32) {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        while !stopping.withLock({ $0 }) {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 500) > 0 else { continue }
            var received = false
            while recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {
                received = true
            }
            if received {
                broadcaster.publish([.changed])
            }
        }
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { target in
            target.copyBytes(from: bytes)
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
