import NIOCore
import NIOHTTP1

/// Bounds how long an HTTP client may take to send a request, apart from how long a kept-alive
/// connection may sit idle between requests (Apache's mod_reqtimeout, nginx's
/// `client_header_timeout`/`client_body_timeout`). A client that trickles a header one byte a
/// second ("slowloris") holds a socket for as long as it likes under an idle timeout alone: 50 of
/// them were all kept for 300 s, and a few thousand would hold every file descriptor.
///
/// - Idle: a connection waiting for a request is closed after `idle` (also before its first).
/// - Header: from a request's first byte, its whole header must arrive within `header`.
/// - Body: after a 10 s grace, each 10 s during which the server wanted to read (a read was
///   pending: time spent applying back-pressure is not the client's) must bring at least
///   `minimumRate` × 10 bytes.
///
/// Two handlers share one `RequestDeadlines`: `RequestBytesHandler` sits at the socket and sees
/// bytes and reads; `RequestPartsHandler` sits after the HTTP decoder and sees where requests
/// start and end. Both run on the connection's event loop; a WebSocket removes them at upgrade.
///
/// `@unchecked Sendable`: only ever used on its connection's event loop (its handlers' and its
/// timers'), which NIO's scheduling closures cannot state in types.
final class RequestDeadlines: @unchecked Sendable {
    struct Limits: Sendable {
        var idle: TimeAmount
        var header: TimeAmount
        /// Bytes per second; 0 disables the body rule.
        var minimumRate: Int
        /// Seconds of wanting to read per check (the first window is grace).
        var window: Int64 = 10
    }

    enum Phase {
        /// Between requests (or before the first): the idle clock runs.
        case waiting
        /// A request has begun: the header clock runs.
        case header
        /// The header is in: the body must keep coming.
        case body(windowBytes: Int, windowWanted: Int64, grace: Bool)
        /// The request is in and its response not yet all written: no clock (a backup
        /// download may stream for minutes).
        case handling
    }

    let limits: Limits
    private(set) var phase = Phase.waiting
    private var timer: Scheduled<Void>?
    private var tick: RepeatedTask?
    /// Whether the server asked the socket for more bytes and has not had them yet.
    private var readPending = false
    private weak var channel: (any Channel)?

    init(limits: Limits) {
        self.limits = limits
    }

    func start(_ channel: any Channel) {
        self.channel = channel
        arm(limits.idle)
    }

    /// Bytes came in: a request begins (the header clock starts), or a body progresses.
    func received(_ count: Int) {
        readPending = false
        switch phase {
        case .waiting:
            phase = .header
            arm(limits.header)
        case .header, .handling:
            break
        case .body(let bytes, let wanted, let grace):
            phase = .body(windowBytes: bytes + count, windowWanted: wanted, grace: grace)
        }
    }

    func readRequested() { readPending = true }

    func headReceived() {
        cancelTimer()
        phase = .body(windowBytes: 0, windowWanted: 0, grace: true)
        guard limits.minimumRate > 0, let channel else { return }
        tick?.cancel()
        tick = channel.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in
            self?.everySecond()
        }
    }

    /// The request is read; its response is being made.
    func requestReceived() {
        tick?.cancel()
        tick = nil
        phase = .handling
    }

    /// The response is written: the connection waits for the next request (the idle clock;
    /// the next header's clock starts with its first byte).
    func responseSent() {
        guard case .handling = phase else { return }
        phase = .waiting
        arm(limits.idle)
    }

    func stop() {
        cancelTimer()
        tick?.cancel()
        tick = nil
        channel = nil
    }

    private func everySecond() {
        guard case .body(let bytes, var wanted, let grace) = phase else { return }
        if readPending { wanted += 1 }
        let window = limits.window
        guard wanted >= window else {
            phase = .body(windowBytes: bytes, windowWanted: wanted, grace: grace)
            return
        }
        if !grace && bytes < limits.minimumRate * Int(window) {
            channel?.close(promise: nil)
            stop()
            return
        }
        phase = .body(windowBytes: 0, windowWanted: 0, grace: false)
    }

    private func arm(_ delay: TimeAmount) {
        cancelTimer()
        guard let channel else { return }
        timer = channel.eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.channel?.close(promise: nil)
            self.stop()
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

/// At the socket: every inbound byte and every read the pipeline asks for.
final class RequestBytesHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    static let name = "causerie.request-bytes"
    let deadlines: RequestDeadlines

    init(_ deadlines: RequestDeadlines) {
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { deadlines.start(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        deadlines.start(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadlines.received(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        deadlines.readRequested()
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadlines.stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadlines.stop()
    }
}

/// After the HTTP decoder and encoder: where each request's header and body end, and where
/// each response ends.
final class RequestPartsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "causerie.request-parts"
    let deadlines: RequestDeadlines
    /// A parser error is being answered: nothing else is.
    private var answering = false

    init(_ deadlines: RequestDeadlines) {
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadlines.headReceived()
        case .body: break
        case .end: deadlines.requestReceived()
        }
        context.fireChannelRead(data)
    }

    /// A request the HTTP parser refuses (a URL or header over the limits, bytes that are not
    /// HTTP) is answered before the connection closes — 431 for the sizes, 400 otherwise —
    /// rather than by a bare close (Hummingbird leaves parser errors unanswered).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parser = error as? HTTPParserError, !answering else {
            context.fireErrorCaught(error)
            return
        }
        answering = true
        let status: HTTPResponseStatus = parser == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        let body = #"{"code":"invalid","reason":"http","message":"This request could not be read (too large, or not HTTP)."}"#
        var head = HTTPResponseHead(version: .http1_1, status: status)
        head.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            let deadlines = self.deadlines
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.whenSuccess { deadlines.responseSent() }
            context.write(data, promise: written)
        } else {
            context.write(data, promise: promise)
        }
    }
}
