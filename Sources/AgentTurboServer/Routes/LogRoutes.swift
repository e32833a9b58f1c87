import AgentTurboCore
import HTTPTypes
import Hummingbird

/// `GET /v1/tasks/{id}/logs`: a page of output as JSON, or with `follow=true` a server-sent event stream that
/// lasts until the task has finished and its output is drained.
struct LogRoutes: Sendable {
    let store: any TaskStore
    let pollInterval: Duration
    let keepAliveInterval: Duration
    let followers: FollowerCount

    static let defaultLimit = 1000
    static let maximumLimit = 10_000

    func register(on router: Router<some RequestContext>) {
        router.get("/v1/tasks/{id}/logs") { request, context in
            try await logs(request, id: context.parameters.require("id"))
        }
    }

    func logs(_ request: Request, id: String) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["attempt", "after", "limit", "follow"])
        let attempt = try query.int("attempt", in: 1...Int(Int32.max))
        let follow = try query.bool("follow")
        var after = try query.string("after").map { text throws(APIError) in try OutputCursor.parse(text, parameter: "after") }
        if follow, after == nil, let lastEventID = request.headers[.lastEventID] {
            // A browser reconnecting an EventSource says where it got to.
            after = try OutputCursor.parse(lastEventID, parameter: "Last-Event-ID")
        }
        let limit = try query.int("limit", in: 1...Self.maximumLimit) ?? Self.defaultLimit
        _ = try await store.existingTask(id)
        let selection = LogSelection(taskID: id, attempt: attempt, after: after)
        if follow {
            let stream = LogStream(
                store: store, selection: selection, pollInterval: pollInterval, keepAliveInterval: keepAliveInterval,
                followers: followers
            )
            return stream.response(for: request)
        }
        let chunks = try await selection.read(from: store, limit: limit)
        let body = LogPageBody(
            chunks: chunks.chunks.map(LogChunkBody.init), nextAfter: (chunks.cursor ?? selection.after)?.text
        )
        return try JSONResponse.make(body)
    }
}

/// Which output a reader wants: one task, optionally one attempt, after a cursor.
struct LogSelection: Sendable {
    var taskID: String
    var attempt: Int?
    var after: OutputCursor?

    /// Where reading starts: the cursor, or the beginning of the chosen attempt.
    var start: OutputCursor? {
        guard let attempt else { return after }
        let first = OutputCursor(attempt: attempt, sequence: 0)
        return after.map { max($0, first) } ?? first
    }

    /// Up to `limit` chunks after `cursor` (default: `start`); `cursor` in the result is where to go on, and
    /// `more` whether the store may hold more right now.
    func read(from store: any TaskStore, after cursor: OutputCursor? = nil, limit: Int) async throws
        -> (chunks: [OutputChunk], cursor: OutputCursor?, more: Bool)
    {
        let from = cursor ?? start
        if let attempt, let from, from.attempt > attempt {
            return ([], from, false)
        }
        let page = try await store.output(for: taskID, after: from, limit: limit)
        let chunks = page.filter { attempt == nil || $0.attempt == attempt }
        let passedAttempt = attempt != nil && page.contains { $0.attempt > attempt! }
        return (chunks, chunks.last?.cursor ?? from, page.count == limit && !passedAttempt)
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
