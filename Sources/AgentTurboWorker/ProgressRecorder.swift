import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

/// Follows a Claude Code `stream-json` event stream as it comes and writes the progress so far (turns, tool
/// uses, tokens, estimated cost) to the task row about once a second, so that `show`, `logs --follow` and
/// the dashboard see a running agent's progress. Keeps the final `result` event for classification.
actor ProgressRecorder {
    let store: any TaskStore
    let ref: AttemptRef
    let logger: Logger
    private var stream = StreamProgress()
    private var lastWrite = ContinuousClock.now - .seconds(10)
    private var unwritten = false
    static let writeInterval: Duration = .seconds(1)

    init(store: any TaskStore, ref: AttemptRef, logger: Logger) {
        self.store = store
        self.ref = ref
        self.logger = logger
    }

    var finalResult: ClaudeResult? { stream.result }

    func consume(_ line: Data) async {
        guard let event = StreamEvent.parse(line), stream.take(event) else { return }
        unwritten = true
        if ContinuousClock.now - lastWrite >= Self.writeInterval {
            await write()
        }
    }

    /// Writes what has not been written yet.
    func flush() async {
        if unwritten {
            await write()
        }
    }

    private func write() async {
        lastWrite = .now
        unwritten = false
        do {
            try await store.recordProgress(ref, stream.progress)
        } catch {
            logger.debug("could not record progress", metadata: ["error": "\(error)"])
        }
    }
}
