import Foundation

/// Which stream a piece of output came from. `system` marks lines Agent Turbo adds itself (truncation).
public enum OutputSource: String, Sendable, Hashable, Codable {
    case stdout
    case stderr
    case system
}

/// A piece of a task's output, stored in order per attempt.
public struct OutputChunk: Sendable, Hashable {
    public var taskID: String
    public var attempt: Int
    /// Position within the attempt, from 1.
    public var sequence: Int
    public var stream: OutputSource
    public var data: Data
    public var createdAt: Date

    public init(taskID: String, attempt: Int, sequence: Int, stream: OutputSource, data: Data, createdAt: Date) {
        self.taskID = taskID
        self.attempt = attempt
        self.sequence = sequence
        self.stream = stream
        self.data = data
        self.createdAt = createdAt
    }

    /// Where to continue reading after this chunk.
    public var cursor: OutputCursor { OutputCursor(attempt: attempt, sequence: sequence) }
}

/// A position in a task's output: everything after (attempt, sequence).
public struct OutputCursor: Sendable, Hashable, Comparable {
    public var attempt: Int
    public var sequence: Int

    public init(attempt: Int, sequence: Int) {
        self.attempt = attempt
        self.sequence = sequence
    }

    public static func < (lhs: OutputCursor, rhs: OutputCursor) -> Bool {
        (lhs.attempt, lhs.sequence) < (rhs.attempt, rhs.sequence)
    }
}

/// One piece of output from one stream, with its position in the attempt's output.
public struct OutputPiece: Sendable, Hashable {
    public var stream: OutputSource
    public var data: Data
    /// Its sequence number within the attempt: increasing, not necessarily consecutive. The worker uses the
    /// spool record it ends with, so the same piece shipped twice is stored once.
    public var sequence: Int

    public init(stream: OutputSource, data: Data, sequence: Int) {
        self.stream = stream
        self.data = data
        self.sequence = sequence
    }
}

/// Output a worker hands to the store for one attempt. The worker's supervisor caps what an attempt stores.
public struct OutputAppend: Sendable, Hashable {
    public var taskID: String
    public var attempt: Int
    public var pieces: [OutputPiece]

    public init(taskID: String, attempt: Int, pieces: [OutputPiece]) {
        self.taskID = taskID
        self.attempt = attempt
        self.pieces = pieces
    }
}
