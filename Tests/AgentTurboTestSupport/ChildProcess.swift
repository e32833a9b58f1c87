import Foundation

/// Runs a program to its end with posix_spawn and waitpid, and returns its exit status.
public enum ChildProcess {
    public static func run(_ argv: [String]) throws -> Int32 {
        var pid: pid_t = 0
        let pointers = argv.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        let result = pointers.withUnsafeBufferPointer { buffer in
            posix_spawn(&pid, argv[0], nil, nil, buffer.baseAddress!, environ)
        }
        guard result == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
