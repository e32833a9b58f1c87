import Foundation
import Synchronization

/// Every request the fake received, in arrival order, and how many requests each conversation has made.
final class FakeRequestLog: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var attemptsByConversation: [String: Int] = [:]
    }

    private let state = Mutex(State())

    var requests: [RecordedRequest] {
        state.withLock { $0.requests }
    }

    /// Records `request` and returns its number within its conversation (1 for the first).
    ///
    /// A conversation is keyed by the CLI's session id header, or by the prompt when that header is
    /// missing, so that `-then-ok` directives fail once per agent even with many agents at once.
    func record(_ request: RecordedRequest) -> Int {
        let key = request.sessionID.map { "session:" + $0 } ?? "prompt:" + request.firstUserText
        return state.withLock { state in
            state.requests.append(request)
            state.attemptsByConversation[key, default: 0] += 1
            return state.attemptsByConversation[key]!
        }
    }
}
