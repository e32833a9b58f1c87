import AgentTurboCore
import AgentTurboSQL
import Foundation

/// Wake-ups between the processes that share one SQLite file, through one of two seams: inotify on a wake
/// file (Linux) or UNIX datagram sockets (every POSIX system; forced on Linux by
/// `AGENT_TURBO_PROCESS_BACKEND=posix`). A writer always uses both, so processes of either kind hear it.
/// `AGENT_TURBO_SQLITE_WAKE_FILE=0` turns wake-ups between processes off (then they learn of work by polling).
final class CrossProcessWake: Sendable {
    let enabled: Bool
    let portable: Bool
    private let sockets: WakeSockets
    #if os(Linux)
    private let file: WakeFile
    #endif

    init(databasePath: String, broadcaster: EventBroadcaster, environment: [String: String] = ProcessInfo.processInfo.environment) {
        enabled = environment["AGENT_TURBO_SQLITE_WAKE_FILE"] != "0"
        #if os(Linux)
        portable = environment["AGENT_TURBO_PROCESS_BACKEND"] == "posix"
        file = WakeFile(databasePath: databasePath, broadcaster: broadcaster)
        #else
        portable = true
        #endif
        sockets = WakeSockets(databasePath: databasePath, broadcaster: broadcaster)
    }

    /// Tells the other processes that something changed.
    func publish() {
        guard enabled else { return }
        #if os(Linux)
        file.touch()
        #endif
        sockets.notify()
    }

    /// Starts hearing the other processes (once); in place when this returns.
    func startListening() {
        guard enabled else { return }
        #if os(Linux)
        if !portable {
            file.startWatching()
            return
        }
        #endif
        sockets.startListening()
    }

    func stop() {
        #if os(Linux)
        file.stop()
        #endif
        sockets.stop()
    }
}
