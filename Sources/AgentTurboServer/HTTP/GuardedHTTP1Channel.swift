import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 connection with ``ConnectionDeadlines`` added to its pipeline: a watcher of raw bytes in
/// front of the HTTP decoder, and a watcher of request parts right behind it.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let limits: APIServer.ConnectionLimits

    init(responder: @escaping HTTPChannelHandler.Responder, limits: APIServer.ConnectionLimits) {
        self.http1 = HTTP1Channel(responder: responder)
        self.limits = limits
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = limits
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let deadlines = ConnectionDeadlines(limits: limits)
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestPartWatcher(deadlines), position: .after(decoder))
            try pipeline.addHandler(RawBytesWatcher(deadlines), position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with header, body and idle deadlines per connection.
    static func guardedHTTP1(_ limits: APIServer.ConnectionLimits) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, limits: limits)
        }
    }
}
