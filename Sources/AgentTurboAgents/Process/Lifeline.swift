import CAgentSupport
import Foundation

/// The worker's lifeline to its supervisors: a pipe made once per process whose write end only this process
/// holds. Every supervisor gets the read end as its descriptor 3; when this process ends in any way (even
/// `kill -9`) the kernel closes the write end, every supervisor sees end of file and kills its agent and
/// everything it started. Plain POSIX, the same on every platform.
public enum Lifeline {
    /// The read end handed to supervisors, or an error saying why there is none.
    public static let readEnd: Result<CInt, POSIXError> = {
        var fds: [CInt] = [-1, -1]
        guard at_lifeline(&fds, 64) == 0 else {
            return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE))
        }
        // The write end stays open, unused, for as long as this process lives.
        return .success(fds[0])
    }()
}
