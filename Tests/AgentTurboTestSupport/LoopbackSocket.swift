import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP connection to a port on 127.0.0.1, for tests that need the wire itself: the exact bytes sent,
/// a response read while it streams, a client that hangs up. A receive timeout bounds how long a broken server
/// can hang a test. Use it from `BlockingWork.run`, never on a thread of the concurrency pool.
public final class LoopbackSocket: @unchecked Sendable {
    private let descriptor: Int32

    public init(port: Int, receiveTimeoutSeconds: Int = 60) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED
            Glibc.close(descriptor)
            throw POSIXError(code)
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Sends every byte (without SIGPIPE when the server has closed: that is an error thrown here).
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPIPE) }
            offset += written
        }
    }

    /// What has arrived, waiting for something; empty at end of file.
    public func read() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 {
                return Array(chunk[..<count])
            }
            if errno != EINTR {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        }
    }

    /// Everything until the server closes the connection (or resets it: either way it is done).
    public func readToEnd() -> [UInt8] {
        var received: [UInt8] = []
        while let more = try? read(), !more.isEmpty {
            received += more
        }
        return received
    }

    /// What has arrived without waiting: `nil` when nothing has, empty at end of file (or a reset).
    public func readNonBlocking() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count >= 0 {
            return Array(chunk[..<count])
        }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return nil
        case ECONNRESET: return []
        default: throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    /// Reads until the server closes the connection: what arrived, and whether it was really closed (`false`
    /// when the receive timeout ran out first).
    public func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        while true {
            do {
                let more = try read()
                if more.isEmpty {
                    return (received, true)
                }
                received += more
            } catch let error as POSIXError where error.code == .ECONNRESET {
                return (received, true)
            } catch {
                return (received, false)
            }
        }
    }

    /// Ends the connection from this side (the server sees the client go away).
    public func hangUp() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Cuts the connection the way a killed client's kernel does with unread data: a reset, no goodbye.
    public func reset() {
        var abort = linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
        shutdown(descriptor, Int32(SHUT_RDWR))
    }
}

/// Runs blocking socket work on a thread of its own, never on one of the few threads Swift concurrency
/// shares with the server under test.
public enum BlockingWork {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try work() })
            }.start()
        }
    }
}
