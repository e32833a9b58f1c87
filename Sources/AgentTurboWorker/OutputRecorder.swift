import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

/// Moves an attempt's output from its ``OutputQueue`` into the store as it arrives, capped per attempt, and
/// keeps the end of stdout (where the agent's result is) and of stderr for classification. Memory stays
/// bounded however much the agent prints: at most the queue's capacity, the tails, and one batch.
struct OutputRecorder {
    let store: any TaskStore
    let ref: AttemptRef
    let capBytes: Int
    let logger: Logger
    /// Called with every complete stdout line, for agents whose events come one per line.
    var onLine: (@Sendable (Data) async -> Void)?

    /// Writes to the store at most this often while output trickles in.
    static let flushInterval: Duration = .milliseconds(200)
    static let stdoutTailBytes = 2 << 20
    static let stderrTailBytes = 64 << 10
    /// Output kept for a later try while the database is unreachable.
    static let pendingLimitBytes = 4 << 20

    struct Recorded {
        var stdoutTail = Data()
        var stderrTail = Data()
        var storedBytes = 0
        var truncated = false
        var lostBytes = 0
    }

    func record(from queue: OutputQueue) async -> Recorded {
        var recorded = Recorded()
        var pending: [OutputPiece] = []
        var pendingBytes = 0
        var lines = LineSplitter()
        var lastFlush = ContinuousClock.now - Self.flushInterval
        while let batch = await queue.take() {
            for piece in batch {
                switch piece.stream {
                case .stdout:
                    Self.appendTail(&recorded.stdoutTail, piece.data, limit: Self.stdoutTailBytes)
                    if let onLine {
                        for line in lines.feed(piece.data) {
                            await onLine(line)
                        }
                    }
                case .stderr, .system:
                    Self.appendTail(&recorded.stderrTail, piece.data, limit: Self.stderrTailBytes)
                }
            }
            guard !recorded.truncated else { continue }
            pending += batch
            pendingBytes += batch.reduce(0) { $0 + $1.data.count }
            let sinceFlush = ContinuousClock.now - lastFlush
            if sinceFlush < Self.flushInterval, pendingBytes < 256 << 10 {
                try? await Task.sleep(for: Self.flushInterval - sinceFlush)
            }
            await flush(&pending, &pendingBytes, into: &recorded)
            lastFlush = .now
        }
        if let onLine, let last = lines.remainder() {
            await onLine(last)
        }
        if !recorded.truncated {
            await flush(&pending, &pendingBytes, into: &recorded)
        }
        return recorded
    }

    private func flush(_ pending: inout [OutputPiece], _ pendingBytes: inout Int, into recorded: inout Recorded) async {
        guard !pending.isEmpty else { return }
        let pieces = Self.coalesce(pending)
        do {
            let result = try await store.appendOutput(
                OutputAppend(taskID: ref.taskID, attempt: ref.attempt, pieces: pieces, capBytes: capBytes)
            )
            recorded.storedBytes = result.storedBytes
            recorded.truncated = result.truncated
            pending.removeAll()
            pendingBytes = 0
        } catch {
            logger.warning("could not store output; keeping it for the next try", metadata: ["error": "\(error)"])
            while pendingBytes > Self.pendingLimitBytes, !pending.isEmpty {
                let dropped = pending.removeFirst()
                pendingBytes -= dropped.data.count
                recorded.lostBytes += dropped.data.count
            }
        }
    }

    /// Joins neighbouring pieces of one stream into chunks of up to 256 KiB: fewer rows, same order.
    static func coalesce(_ pieces: [OutputPiece]) -> [OutputPiece] {
        var chunks: [OutputPiece] = []
        for piece in pieces {
            if let last = chunks.last, last.stream == piece.stream, last.data.count + piece.data.count <= 256 << 10 {
                chunks[chunks.count - 1].data.append(piece.data)
            } else {
                chunks.append(piece)
            }
        }
        return chunks
    }

    static func appendTail(_ tail: inout Data, _ data: Data, limit: Int) {
        tail.append(data)
        if tail.count > 2 * limit {
            tail = Data(tail.suffix(limit))
        }
    }
}

/// Splits a byte stream into lines; a line longer than `maximumLine` is cut there.
struct LineSplitter {
    private var buffer = Data()
    let maximumLine = 16 << 20

    mutating func feed(_ data: Data) -> [Data] {
        buffer.append(data)
        var lines: [Data] = []
        var start = buffer.startIndex
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(Data(buffer[start..<newline]))
            start = newline + 1
        }
        if start > buffer.startIndex {
            buffer = Data(buffer[start...])
        }
        if buffer.count > maximumLine {
            lines.append(buffer)
            buffer = Data()
        }
        return lines
    }

    mutating func remainder() -> Data? {
        defer { buffer = Data() }
        return buffer.isEmpty ? nil : buffer
    }
}
