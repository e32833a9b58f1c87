import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

/// Follows a Claude Code `stream-json` agent's stdout in its spool, line by line as it comes, and writes the
/// progress so far (turns, tool uses, tokens, estimated cost) to the task row about once a second, so that
/// `show`, `logs --follow` and the dashboard see a running agent's progress. It reads the spool itself, so
/// neither a slow shipment of output nor a slow progress write holds it up. Keeps the final `result` event.
actor ProgressRecorder {
    let store: any TaskStore
    let ref: AttemptRef
    let logger: Logger
    private let reader: SpoolReader
    private var lines = LineSplitter()
    private var stream = StreamProgress()
    private var lastWrite = ContinuousClock.now - .seconds(10)
    private var unwritten = false
    private var writing = false
    static let writeInterval: Duration = .seconds(1)

    /// `skippingRecords`: the spool's first records came before the agent (a setup command's output).
    init(store: any TaskStore, ref: AttemptRef, spoolPath: String, logger: Logger, skippingRecords: Int = 0) {
        self.store = store
        self.ref = ref
        self.logger = logger
        self.reader = SpoolReader(path: spoolPath)
        reader.skip(records: skippingRecords)
    }

    /// Follows the spool every `interval` until cancelled.
    func followWhileRunning(every interval: Duration) async {
        while !Task.isCancelled {
            readAvailable()
            try? await Task.sleep(for: interval)
        }
    }

    /// Reads the rest after the agent ended, writes the last progress, and returns the final result event.
    func finish() async -> ClaudeResult? {
        readAvailable()
        if let last = lines.remainder() {
            consume(last)
        }
        if unwritten {
            await write(stream.progress)
        }
        return stream.result
    }

    private func readAvailable() {
        while true {
            let records = reader.read(maximumBytes: 1 << 20)
            guard !records.isEmpty else { return }
            for record in records where record.kind == .stdout {
                for line in lines.feed(record.data) {
                    consume(line)
                }
            }
        }
    }

    private func consume(_ line: Data) {
        guard let event = StreamEvent.parse(line), stream.take(event) else { return }
        unwritten = true
        // One write at a time, in the background: a busy database delays progress, never the reading.
        if !writing, ContinuousClock.now - lastWrite >= Self.writeInterval {
            let progress = stream.progress
            writing = true
            unwritten = false
            lastWrite = .now
            Task { await self.write(progress) }
        }
    }

    private func write(_ progress: AgentProgress) async {
        do {
            try await store.recordProgress(ref, progress)
        } catch {
            logger.debug("could not record progress", metadata: ["error": "\(error)"])
        }
        writing = false
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
