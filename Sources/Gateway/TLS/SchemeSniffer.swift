import NIOCore

/// Tells TLS from plain HTTP on one port by a connection's first byte (ADR 010): a TLS client
/// speaks first with a handshake record (content type 22, 0x16); an HTTP request begins with a
/// method's letter. `decide` builds the rest of the pipeline after this handler, which then
/// passes the bytes on and leaves.
///
/// A connection that sends nothing is closed after `timeout` (the request deadlines before it
/// also run; this one is for the case where they are off).
final class SchemeSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let name = "causerie.scheme-sniffer"
    private let decide: (ChannelHandlerContext, _ secure: Bool) throws -> Void
    private let onFailure: (any Error) -> Void
    private let timeout: TimeAmount
    private var decided = false
    private var timer: Scheduled<Void>?

    struct NothingSent: Error {}

    init(timeout: TimeAmount, decide: @escaping (ChannelHandlerContext, _ secure: Bool) throws -> Void,
         onFailure: @escaping (any Error) -> Void) {
        self.timeout = timeout
        self.decide = decide
        self.onFailure = onFailure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !decided else {
            context.fireChannelRead(data)
            return
        }
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        decided = true
        timer?.cancel()
        do {
            try decide(context, first == 0x16)
        } catch {
            onFailure(error)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !decided {
            decided = true
            onFailure(NothingSent())
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !decided {
            decided = true
            timer?.cancel()
            onFailure(error)
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }
}
