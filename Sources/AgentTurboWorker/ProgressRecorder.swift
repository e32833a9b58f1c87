import AgentTurboAgents
import AgentTurboCore
import Foundation
import Logging

/// Follows a Claude Code `stream-json` event stream as it comes: counts turns and tool uses, adds up tokens,
/// keeps the final `result` event, and writes the figures so far to the task row about once a second, so
/// that `show`, `logs --follow` and the dashboard see a running agent's progress.
actor ProgressRecorder {
    let store: any TaskStore
    let ref: AttemptRef
    let logger: Logger
    private(set) var finalResult: ClaudeResult?
    private var progress = AgentReport()
    private var lastWrite = ContinuousClock.now - .seconds(10)
    static let writeInterval: Duration = .seconds(1)

    init(store: any TaskStore, ref: AttemptRef, logger: Logger) {
        self.store = store
        self.ref = ref
        self.logger = logger
    }

    func consume(_ line: Data) async {
        guard let event = StreamEvent.parse(line) else { return }
        switch event {
        case .initialized(let session):
            progress.sessionID = session
        case .assistant(let inputTokens, let outputTokens, _):
            progress.numTurns = (progress.numTurns ?? 0) + 1
            progress.inputTokens = (progress.inputTokens ?? 0) + inputTokens
            progress.outputTokens = (progress.outputTokens ?? 0) + outputTokens
        case .result(let result):
            finalResult = result
            return
        case .other:
            return
        }
        if ContinuousClock.now - lastWrite >= Self.writeInterval {
            lastWrite = .now
            do {
                try await store.recordProgress(ref, progress)
            } catch {
                logger.debug("could not record progress", metadata: ["error": "\(error)"])
            }
        }
    }
}
