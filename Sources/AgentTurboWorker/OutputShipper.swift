import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

/// Ships one attempt's spool to the store in order while the agent runs, resuming where it stopped after the
/// store failed (the spool is on local disk, so nothing waits and nothing is lost meanwhile). After the agent
/// ended it hands over what is left, to be stored in the same transaction as the outcome, with the ends of
/// stdout (where the agent's result is) and stderr.
actor OutputShipper {
    let store: any TaskStore
    let ref: AttemptRef
    let logger: Logger
    private let reader: SpoolReader
    private var tails = OutputTails()
    /// Records already added to the tails (a batch that failed to ship is read again).
    private var tailedRecords = 0
    private var failing = false
    /// Told the agent's pid (its process group) once the supervisor has written it.
    private var onAgentStarted: (@Sendable (Int32) -> Void)?
    /// Records up to this one came before the agent (a setup command, notes): not the agent's pid, and not
    /// part of the ends its result is read from.
    private var agentRecordsAfter = 0

    /// Most bytes in one shipment.
    static let batchBytes = 256 << 10

    init(store: any TaskStore, ref: AttemptRef, spoolPath: String, logger: Logger) {
        self.store = store
        self.ref = ref
        self.logger = logger
        self.reader = SpoolReader(path: spoolPath)
    }

    /// `body` is called once with the agent's pid, when the supervisor's first record is read. The agent's
    /// records come after the first `records` of the spool (what a setup command printed before it).
    func whenAgentStarts(afterRecord records: Int = 0, _ body: @escaping @Sendable (Int32) -> Void) {
        onAgentStarted = body
        if records > agentRecordsAfter {
            agentRecordsAfter = records
            tails = OutputTails()
        }
    }

    /// Starts after the first `records` records (shipped by an earlier process).
    func resume(after records: Int) {
        reader.skip(records: records)
        tailedRecords = max(tailedRecords, records)
    }

    /// Ships what the spool holds every `interval` until cancelled.
    func shipWhileRunning(every interval: Duration) async {
        while !Task.isCancelled {
            await shipAvailable()
            try? await Task.sleep(for: interval)
        }
    }

    /// Ships everything spooled so far; stops at the first failure, leaving that batch for the next call.
    @discardableResult
    func shipAvailable() async -> Bool {
        while true {
            let mark = reader.position
            let records = reader.read(maximumBytes: Self.batchBytes)
            guard !records.isEmpty else { return true }
            keepTails(records)
            let pieces = Self.pieces(from: records)
            guard !pieces.isEmpty else { continue }
            do {
                try await store.appendOutput(OutputAppend(taskID: ref.taskID, attempt: ref.attempt, pieces: pieces))
                if failing {
                    failing = false
                    logger.notice("output shipping resumed")
                }
            } catch {
                reader.rewind(to: mark)
                if !failing {
                    failing = true
                    logger.warning("could not store output; it stays in the spool and is shipped when the database answers", metadata: ["error": "\(error)"])
                }
                return false
            }
        }
    }

    /// What is left after the agent ended: everything not shipped yet, and the ends of the streams (with
    /// what the supervisor kept past the cap).
    func finish(folder: String) -> (remainder: [OutputPiece], tails: OutputTails) {
        var remainder: [OutputPiece] = []
        while true {
            let records = reader.read(maximumBytes: 1 << 20)
            guard !records.isEmpty else { break }
            keepTails(records)
            remainder += Self.pieces(from: records)
        }
        if let end = FileManager.default.contents(atPath: folder + "/stdout.tail") {
            tails.append(end, to: .stdout)
        }
        if let end = FileManager.default.contents(atPath: folder + "/stderr.tail") {
            tails.append(end, to: .stderr)
        }
        return (remainder, tails)
    }

    private func keepTails(_ records: [SpoolRecord]) {
        for record in records where record.index > tailedRecords {
            guard record.index > agentRecordsAfter else {
                tailedRecords = record.index
                continue
            }
            if let stream = record.stream {
                tails.append(record.data, to: stream)
            } else if record.kind == .pid, let pid = Int32(String(decoding: record.data, as: UTF8.self)) {
                onAgentStarted?(pid)
                onAgentStarted = nil
            }
            tailedRecords = record.index
        }
    }

    /// Neighbouring records of one stream joined into pieces of up to `batchBytes`: fewer rows, same order.
    /// A piece's sequence is its last record's index, so shipping resumes exactly after the highest one stored.
    static func pieces(from records: [SpoolRecord]) -> [OutputPiece] {
        var pieces: [OutputPiece] = []
        for record in records {
            guard let stream = record.stream, !record.data.isEmpty else { continue }
            if let last = pieces.last, last.stream == stream, last.data.count + record.data.count <= batchBytes {
                pieces[pieces.count - 1].data.append(record.data)
                pieces[pieces.count - 1].sequence = record.index
            } else {
                pieces.append(OutputPiece(stream: stream, data: record.data, sequence: record.index))
            }
        }
        return pieces
    }
}

/// The ends of an attempt's stdout (where a Claude-style result is) and stderr (the last error lines).
struct OutputTails: Sendable {
    var stdout = Data()
    var stderr = Data()

    static let stdoutBytes = 2 << 20
    static let stderrBytes = 64 << 10

    mutating func append(_ data: Data, to stream: OutputSource) {
        switch stream {
        case .stdout: Self.append(&stdout, data, limit: Self.stdoutBytes)
        case .stderr, .system: Self.append(&stderr, data, limit: Self.stderrBytes)
        }
    }

    private static func append(_ tail: inout Data, _ data: Data, limit: Int) {
        tail.append(data)
        if tail.count > 2 * limit {
            tail = Data(tail.suffix(limit))
        }
    }

    /// Trimmed to the limits.
    var trimmed: OutputTails {
        OutputTails(stdout: Data(stdout.suffix(Self.stdoutBytes)), stderr: Data(stderr.suffix(Self.stderrBytes)))
    }
}
