import NIOCore
import NIOHTTP1

/// The deadlines of one connection, by what it is doing:
///
/// - **idle** (no request in progress, nothing received since the last response): closed after `idleTimeout`;
/// - **head** (the first bytes of a request came, its head is not complete): a `408` and closed after
///   `headerTimeout`, however slowly the bytes trickle in;
/// - **body** (the head is in, the body is not): closed after `bodyTimeout` from the end of the head, however
///   slowly the body trickles in;
/// - **responding** (the request is read, its response is being sent): no deadline, so a followed log (which
///   writes a keep-alive every 15 s) lives as long as its task.
///
/// Two handlers feed it: ``RawBytesWatcher`` before the HTTP decoder (bytes arriving) and ``RequestPartWatcher``
/// after it (request heads and ends in, response ends out). Both run on the connection's event loop, as does
/// this class.
final class ConnectionDeadlines {
    enum Phase {
        case idle, head, body, responding
    }

    let limits: APIServer.ConnectionLimits
    private(set) var phase: Phase = .idle
    private var headsReceived = 0
    private var requestsRead = 0
    private var responsesSent = 0
    private var timer: Scheduled<Void>?
    /// The context of ``RawBytesWatcher``, next to the socket: where a 408 is written and the channel closed.
    private var context: ChannelHandlerContext?

    init(limits: APIServer.ConnectionLimits) {
        self.limits = limits
    }

    func activate(_ context: ChannelHandlerContext) {
        guard self.context == nil else { return }
        self.context = context
        enter(.idle)
    }

    func deactivate() {
        timer?.cancel()
        timer = nil
        context = nil
    }

    func bytesArrived() {
        if phase == .idle {
            enter(.head)
        }
    }

    func headReceived() {
        headsReceived += 1
        enter(.body)
    }

    func requestEnded() {
        requestsRead += 1
        enter(.responding)
    }

    func responseEnded() {
        responsesSent += 1
        if headsReceived > requestsRead {
            return  // a pipelined request is being read: its body deadline stands
        }
        enter(requestsRead > responsesSent ? .responding : .idle)
    }

    private func enter(_ next: Phase) {
        phase = next
        timer?.cancel()
        timer = nil
        guard let context else { return }
        let timeout: Duration? =
            switch next {
            case .idle: limits.idleTimeout
            case .head: limits.headerTimeout
            case .body: limits.bodyTimeout
            case .responding: nil
            }
        guard let timeout else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            expire(next)
        }
    }

    private func expire(_ expected: Phase) {
        guard phase == expected, let context else { return }
        timer = nil
        if expected == .head {
            // No request was parsed, so nothing else can answer: say why before closing.
            let text = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text)), promise: nil)
        }
        context.close(promise: nil)
    }
}

/// Sits next to the socket and tells ``ConnectionDeadlines`` when bytes arrive.
final class RawBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let deadlines: ConnectionDeadlines

    init(_ deadlines: ConnectionDeadlines) {
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            deadlines.activate(context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        deadlines.activate(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadlines.deactivate()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadlines.deactivate()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadlines.bytesArrived()
        context.fireChannelRead(data)
    }
}

/// Sits after the HTTP/1 decoder and tells ``ConnectionDeadlines`` where each request and response is.
final class RequestPartWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let deadlines: ConnectionDeadlines

    init(_ deadlines: ConnectionDeadlines) {
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadlines.headReceived()
        case .body: break
        case .end: deadlines.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if isEnd {
            deadlines.responseEnded()
        }
    }
}
