import Foundation
import NIOCore
import NIOHTTP1

/// Serves the requests of one keep-alive connection, one after another, until the client closes it,
/// a scenario ends it, or the server stops (task cancellation).
struct FakeHTTPConnection {
    let channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    let log: FakeRequestLog

    func run() async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                var head: HTTPRequestHead?
                var body = ByteBuffer()
                while let part = try await parts.next() {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body.clear()
                        if requestHead.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                            try await outbound.write(.head(HTTPResponseHead(version: requestHead.version, status: .continue)))
                        }
                    case .body(var chunk):
                        body.writeBuffer(&chunk)
                    case .end:
                        guard let requestHead = head else { continue }
                        head = nil
                        let request = RecordedRequest(
                            method: requestHead.method.rawValue, path: requestHead.uri,
                            headers: requestHead.headers.map { ($0.name, $0.value) },
                            body: Data(body.readableBytesView))
                        let attempt = log.record(request)
                        let writer = FakeResponseWriter(
                            outbound: outbound, version: requestHead.version, keepAlive: requestHead.isKeepAlive)
                        switch try await writer.write(FakeScenario.plan(for: request, attempt: attempt)) {
                        case .nextRequest:
                            continue
                        case .close:
                            // Returning closes the channel; an unfinished chunked body ends abruptly.
                            return
                        case .hold:
                            // Reading on (and ignoring) until the client closes notices its departure;
                            // cancellation by `stop()` ends the wait too.
                            while try await parts.next() != nil {}
                            return
                        }
                    }
                }
            }
        } catch {
            // Clients that go away mid-response and cancellation by `stop()` end up here: nothing to report.
        }
    }
}
