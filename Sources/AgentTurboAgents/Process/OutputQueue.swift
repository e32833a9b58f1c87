import AgentTurboCore
import Foundation

/// Output on its way from an agent's pipes to the database: readers put pieces in, one recorder takes them
/// out. Readers wait while more than `capacity` bytes are queued, so an agent that prints faster than the
/// database stores is slowed down by its full pipe instead of growing the worker's memory.
public actor OutputQueue {
    private var pieces: [OutputPiece] = []
    private var queuedBytes = 0
    private var openStreams: Int
    private let capacity: Int
    private var waitingReaders: [CheckedContinuation<Void, Never>] = []
    private var waitingTaker: CheckedContinuation<Void, Never>?

    /// - Parameters:
    ///   - streams: how many readers will put pieces (and call `finish`).
    ///   - capacity: bytes queued before readers wait.
    public init(streams: Int, capacity: Int = 1 << 20) {
        openStreams = streams
        self.capacity = capacity
    }

    public func put(_ piece: OutputPiece) async {
        while queuedBytes >= capacity {
            await withCheckedContinuation { waitingReaders.append($0) }
        }
        pieces.append(piece)
        queuedBytes += piece.data.count
        wakeTaker()
    }

    /// A reader is done (its pipe reached end of file).
    public func finish() {
        openStreams -= 1
        wakeTaker()
    }

    /// Everything queued, in order; waits for something to arrive; `nil` once every reader finished and the
    /// queue is empty.
    public func take() async -> [OutputPiece]? {
        while pieces.isEmpty {
            if openStreams <= 0 {
                return nil
            }
            await withCheckedContinuation { waitingTaker = $0 }
        }
        let taken = pieces
        pieces.removeAll(keepingCapacity: true)
        queuedBytes = 0
        let readers = waitingReaders
        waitingReaders.removeAll()
        for reader in readers {
            reader.resume()
        }
        return taken
    }

    private func wakeTaker() {
        waitingTaker?.resume()
        waitingTaker = nil
    }
}
