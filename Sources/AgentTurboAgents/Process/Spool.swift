import AgentTurboCore
import Foundation

/// One record of an attempt's spool (`DIR/spool`, written by agent-turbo-supervise): a piece of the agent's
/// output, a note from agent-turbo, or the agent's pid.
public struct SpoolRecord: Sendable, Hashable {
    public enum Kind: UInt8, Sendable {
        case stdout = 0x6F  // "o"
        case stderr = 0x65  // "e"
        case note = 0x73  // "s"
        case pid = 0x70  // "p"
    }

    /// Position in the spool, from 1: the output's sequence number in the database, so that shipping a
    /// record twice (a retry after an answer was lost, a worker that restarts) stores it once.
    public var index: Int
    public var kind: Kind
    public var data: Data

    public init(index: Int, kind: Kind, data: Data) {
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// The stream it is stored as; `nil` for records that are not output.
    public var stream: OutputSource? {
        switch kind {
        case .stdout: .stdout
        case .stderr: .stderr
        case .note: .system
        case .pid: nil
        }
    }
}

/// Reads a spool while the supervisor appends to it: whole records, in order, from where it left off. A record
/// not yet wholly written is left for the next read. Used by one task at a time.
public final class SpoolReader {
    public let path: String
    private var descriptor: CInt = -1
    /// Bytes of the file consumed so far.
    public private(set) var offset = 0
    /// Records consumed so far (the index of the last one).
    public private(set) var recordsRead = 0

    static let headerSize = 8

    public init(path: String) {
        self.path = path
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
        }
    }

    /// Where the reader is: rewinding to it reads the same records again.
    public struct Position: Sendable, Hashable {
        public var offset: Int
        public var records: Int

        public init(offset: Int, records: Int) {
            self.offset = offset
            self.records = records
        }
    }

    public var position: Position { Position(offset: offset, records: recordsRead) }

    public func rewind(to position: Position) {
        offset = position.offset
        recordsRead = position.records
    }

    /// The whole records written since the last read, up to about `maximumBytes` of data (at least one
    /// record when there is one).
    public func read(maximumBytes: Int = 256 << 10) -> [SpoolRecord] {
        guard openIfNeeded() else { return [] }
        var records: [SpoolRecord] = []
        var budget = maximumBytes
        while budget > 0 || records.isEmpty {
            guard let header = readBytes(Self.headerSize, at: offset), header.count == Self.headerSize else { break }
            let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
            guard let data = length == 0 ? Data() : readBytes(length, at: offset + Self.headerSize), data.count == length
            else { break }
            offset += Self.headerSize + length
            recordsRead += 1
            if let kind = SpoolRecord.Kind(rawValue: header[4]) {
                records.append(SpoolRecord(index: recordsRead, kind: kind, data: data))
            }
            budget -= max(1, length)
        }
        return records
    }

    /// Moves past the first `count` records without returning them (they were shipped before).
    public func skip(records count: Int) {
        while recordsRead < count {
            let before = recordsRead
            _ = read(maximumBytes: 1)
            if recordsRead == before {
                return
            }
        }
    }

    private func openIfNeeded() -> Bool {
        if descriptor < 0 {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        }
        return descriptor >= 0
    }

    private func readBytes(_ count: Int, at position: Int) -> Data? {
        var data = Data(count: count)
        let got = data.withUnsafeMutableBytes { buffer in
            pread(descriptor, buffer.baseAddress!, count, off_t(position))
        }
        guard got >= 0 else { return nil }
        return got == count ? data : data.prefix(got)
    }
}
