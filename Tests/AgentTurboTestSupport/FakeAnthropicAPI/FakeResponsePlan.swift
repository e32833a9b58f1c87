import AgentTurboCore
import Foundation

/// What the fake sends back for one request, decided before any byte is written.
enum FakeResponsePlan: Sendable {
    /// A complete JSON response: a Message (`stream: false`) or an error.
    case json(status: Int, body: JSONValue, headers: [(String, String)])
    /// A `text/event-stream` response: the events in order, then `ending`.
    case stream(events: [FakeSSEEvent], ending: StreamEnding)
    /// Send no response at all; keep the connection open until the client leaves or the server stops.
    case silence
    /// Close the connection without a response.
    case hangUp

    enum StreamEnding: Sendable {
        /// Finish the chunked body; the connection stays open for the next request.
        case complete
        /// Close the connection in the middle of the body.
        case drop
        /// Keep the body open and send nothing more.
        case stall
    }
}

/// One server-sent event, and how long to wait before sending it (for slow streams).
struct FakeSSEEvent: Sendable {
    var name: String
    var data: JSONValue
    var delay: Duration = .zero

    /// The wire form: an `event:` line, a `data:` line and a blank line.
    /// The CLI needs the `event:` line; without it, it falls back to a non-streaming request.
    var text: String { "event: \(name)\ndata: \(data.serialized)\n\n" }
}
