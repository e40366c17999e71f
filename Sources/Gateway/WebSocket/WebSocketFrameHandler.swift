import NIOCore
import NIOWebSocket

/// Reads one WebSocket on its event loop: assembles messages from frames (with a size limit that
/// answers instead of closing), answers pings and closes, and hands every message to the
/// session. An idle connection costs this handler and its session, and no task (ADR 006).
final class WebSocketFrameHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let session: WebSocketSession
    private let limit: Int
    /// The message being assembled: its first frame's opcode, its bytes so far.
    private var opcode: WebSocketOpcode?
    private var bytes: [UInt8] = []
    private var oversized = false
    /// The connection is being failed: nothing more is read from it.
    private var failed = false

    init(session: WebSocketSession, limit: Int) {
        self.session = session
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        session.start()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // RFC 6455 §5.1: a client masks every frame; §5.2: RSV bits are 0 unless an extension
        // says otherwise, and we negotiate none. Either way the peer does not speak WebSocket.
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            failed = true
            context.channel.closeWebSocket(code: .protocolError, reason: frame.maskKey == nil ? "unmasked_frame" : "reserved_bits")
            return
        }
        guard !failed else { return }
        switch frame.opcode {
        case .text, .binary:
            opcode = frame.opcode
            bytes = []
            oversized = false
            assemble(frame, context)
        case .continuation:
            // A continuation with no message begun is ignored, as before.
            guard opcode != nil else { return }
            assemble(frame, context)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                                  promise: nil)
        case .connectionClose:
            // The client is leaving: echo its close code (RFC 6455 §5.5.1), then close the socket.
            var data = frame.unmaskedData
            context.channel.closeWebSocket(code: data.readWebSocketErrorCode() ?? .normalClosure)
        default:
            // A reserved opcode: the client does not speak WebSocket (RFC 6455 §5.2, fail the connection).
            failed = true
            context.channel.closeWebSocket(code: .protocolError)
        }
    }

    private func assemble(_ frame: WebSocketFrame, _ context: ChannelHandlerContext) {
        let data = frame.unmaskedData
        if !oversized {
            if bytes.count + data.readableBytes > limit {
                oversized = true
                bytes = []
            } else {
                bytes.append(contentsOf: data.readableBytesView)
            }
        }
        guard frame.fin else { return }
        let message: WebSocketSession.Message
        if oversized {
            message = .tooLarge
        } else if opcode == .binary {
            message = .binary(bytes)
        } else if String(validating: bytes, as: UTF8.self) == nil {
            message = .invalidUTF8
        } else {
            message = .text(bytes)
        }
        opcode = nil
        bytes = []
        oversized = false
        // Too many messages waiting for the session: stop reading until it has caught up (the
        // socket's buffers then push back on the client).
        if !session.receive(message) {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    /// The client leaves more unread than the water mark allows (`LiveConnection.waterMark`):
    /// too slow, cut off; it resumes from its last position when it reconnects.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable { session.tooSlow() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.disconnected()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server is stopping (Hummingbird's graceful shutdown waits for every socket to close).
        if event is ChannelShouldQuiesceEvent {
            session.shutdown()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// NIO's frame decoder found a frame it will not read. A single frame over the decoder's
    /// limit (4 × `maxFrameBytes`, at least 1 MiB) is not buffered to be discarded: the client
    /// gets an error frame saying so, then a close 1009 (RFC 6455 §7.4.1). A message over
    /// `maxFrameBytes` made of smaller frames is skipped instead, with an error frame, and the
    /// connection stays open (docs/protocol.md, "Limits and failures").
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !failed else { return }
        failed = true
        switch error as? NIOWebSocketError {
        case .invalidFrameLength:
            context.channel.closeWebSocket(
                saying: Frames.error(nil, .tooLarge("frame_too_large")), code: .messageTooLarge, reason: "frame_too_large")
        case .some:
            context.channel.closeWebSocket(code: .protocolError)
        case .none:
            context.close(promise: nil)
        }
    }
}
