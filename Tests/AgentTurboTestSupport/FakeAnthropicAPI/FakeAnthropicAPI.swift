import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A fake Anthropic Messages API on 127.0.0.1, for running the real `claude` CLI without the network.
///
/// Point the CLI at it with `ANTHROPIC_BASE_URL=<baseURL>` and any `ANTHROPIC_API_KEY`. Each request is
/// recorded (`requests`) and answered as the directives in the conversation's prompt ask (see
/// `FakeDirectives`): a streamed text answer by default, tool calls, errors, drops or stalls.
/// Connections are served concurrently, so a stalled one never holds up another, nor `stop()`.
public final class FakeAnthropicAPI: Sendable {
    public let port: Int
    private let log = FakeRequestLog()
    private let serving = Mutex<Task<Void, Never>?>(nil)

    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private init(port: Int) {
        self.port = port
    }

    /// Starts a server on a free port of 127.0.0.1.
    public static func start() async throws -> FakeAnthropicAPI {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        guard let port = listener.channel.localAddress?.port else {
            try? await listener.channel.close()
            throw FakeAnthropicAPIError.noPort
        }
        let api = FakeAnthropicAPI(port: port)
        let log = api.log
        let task = Task {
            await serve(listener, log: log)
        }
        api.serving.withLock { $0 = task }
        return api
    }

    /// `http://127.0.0.1:PORT`, for `ANTHROPIC_BASE_URL`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request seen so far, in arrival order (any method and path).
    public var requests: [RecordedRequest] { log.requests }

    /// Closes the listener and every connection, stalled ones included, and waits until they are gone.
    /// The recorded requests stay readable.
    public func stop() async {
        guard let task = serving.withLock({ task in defer { task = nil }; return task }) else { return }
        task.cancel()
        await task.value
    }

    deinit {
        serving.withLock { $0?.cancel() }
    }

    /// Accepts connections until cancelled, serving each in its own child task.
    private static func serve(_ listener: NIOAsyncChannel<Connection, Never>, log: FakeRequestLog) async {
        do {
            try await listener.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask {
                            await FakeHTTPConnection(channel: connection, log: log).run()
                        }
                    }
                }
            }
        } catch {
            // Cancellation by `stop()` (or a failing listener): the connections are closed either way.
        }
    }
}

public enum FakeAnthropicAPIError: Error {
    /// The listener has no local port (never expected for a TCP socket).
    case noPort
}
