import CAgentSupport
import Foundation

/// Writes the small files of an attempt's folder (its record, a prompt for stdin): private to the worker's
/// user, and without the fsync that Foundation's atomic writes do, which cost a disk flush per attempt. They
/// matter only while the worker (or one started after it on the same host) is there to read them.
public enum ScratchFile {
    public static func write(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = at_write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
    }
}
