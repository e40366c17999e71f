public import NIOCore
public import NIOPosix
public import NIOSSL
import Synchronization

/// A small WebSocket client over SwiftNIO, for tests, load generators and terminal clients.
///
/// It speaks just what Causerie needs: the HTTP upgrade, text frames (masked, as RFC 6455 requires
/// of clients), pings answered with pongs, and close. It can bind a local address, so that a load
/// generator opens more connections than one source address has ports.
public final class WebSocketClient: Sendable {
    /// Text messages received, in order; finishes when the connection closes.
    public let messages: AsyncStream<String>
    private let channel: any Channel
    private let handler: WebSocketClientHandler

    private init(channel: any Channel, handler: WebSocketClientHandler, messages: AsyncStream<String>) {
        self.channel = channel
        self.handler = handler
        self.messages = messages
    }

    public enum ConnectError: Error, Sendable {
        case handshakeRefused(String)
    }

    /// Connects and completes the upgrade handshake. With `onText`, each text message is handed
    /// to it on the event loop (no task, no string: load generators) instead of `messages`;
    /// binary messages (voice) go to `onBinary`, or nowhere.
    public static func connect(
        host: String, port: Int, path: String = "/api/v1/ws", localAddress: String? = nil,
        receiveBufferSize: Int? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        tls: NIOSSLContext? = nil, serverHostname: String? = nil,
        onText: (@Sendable ([UInt8]) -> Void)? = nil,
        onBinary: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws -> WebSocketClient {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let handshake = group.next().makePromise(of: Void.self)
        let handler = WebSocketClientHandler(host: host, port: port, path: path, messages: continuation, handshake: handshake,
                                             onText: onText, onBinary: onBinary)
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // wss: TLS below the WebSocket (the context says which authorities to trust).
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        if let localAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0)) }
        if let receiveBufferSize {
            // A fixed, small receive buffer stops the kernel from growing the window (slow-reader tests).
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        do {
            try await handshake.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return WebSocketClient(channel: channel, handler: handler, messages: stream)
    }

    /// Sends a text message in one frame.
    public func send(_ text: String) {
        sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// Sends any frame (tests use it for binary, fragmented or invalid frames: `rsv` sets the
    /// reserved bits, `masked: false` breaks RFC 6455 §5.1 on purpose).
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) {
        let frame = WebSocketFrames.encode(opcode: opcode, payload: payload, fin: fin, rsv: rsv, masked: masked)
        channel.writeAndFlush(ByteBuffer(bytes: frame), promise: nil)
    }

    /// Sends a close frame and closes the connection.
    public func close() async {
        sendFrame(opcode: 0x8, payload: [0x03, 0xE8])
        try? await channel.close()
    }

    /// Stops reading from the socket (a client too slow to keep up, for tests).
    public func pauseReading() {
        channel.setOption(.autoRead, value: false).whenComplete { _ in }
    }

    public func resumeReading() {
        channel.setOption(.autoRead, value: true).whenComplete { _ in }
        channel.read()
    }

    /// Whether the connection is closed.
    public var isClosed: Bool { !channel.isActive }

    /// The close code the server sent, if any.
    public var closeCode: UInt16? { handler.closeCode }

    /// The payloads of the pongs received, in order.
    public var pongs: [[UInt8]] { handler.pongs }
}

/// Client-side framing (RFC 6455 §5).
enum WebSocketFrames {
    static func encode(opcode: UInt8, payload: [UInt8], fin: Bool, rsv: UInt8 = 0, masked: Bool = true) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x7) << 4 | opcode]
        let count = payload.count
        let maskBit: UInt8 = masked ? 0x80 : 0
        if count < 126 {
            frame.append(maskBit | UInt8(count))
        } else if count <= 0xFFFF {
            frame.append(maskBit | 126)
            frame += [UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((count >> shift) & 0xFF)) }
        }
        guard masked else { return frame + payload }
        var generator = SystemRandomNumberGenerator()
        let mask: [UInt8] = (0..<4).map { _ in generator.next() }
        frame += mask
        for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index & 3]) }
        return frame
    }
}

final class WebSocketClientHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct State {
        var upgraded = false
        var buffer = ByteBuffer()
        var message: [UInt8] = []
        var messageOpcode: UInt8 = 0
        var closeCode: UInt16?
        var pongs: [[UInt8]] = []
    }

    // Only touched on the channel's event loop, except `closeCode` (read under the lock).
    private let state = Mutex(State())
    private let request: String
    private let messages: AsyncStream<String>.Continuation
    private let handshake: EventLoopPromise<Void>
    private let onText: (@Sendable ([UInt8]) -> Void)?
    private let onBinary: (@Sendable ([UInt8]) -> Void)?

    init(host: String, port: Int, path: String, messages: AsyncStream<String>.Continuation,
         handshake: EventLoopPromise<Void>, onText: (@Sendable ([UInt8]) -> Void)?, onBinary: (@Sendable ([UInt8]) -> Void)?) {
        self.onText = onText
        self.onBinary = onBinary
        var key = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in key.indices { key[index] = generator.next() }
        request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(Base64.encode(key))\r\nSec-WebSocket-Version: 13\r\n\r\n"
        self.messages = messages
        self.handshake = handshake
    }

    var closeCode: UInt16? { state.withLock { $0.closeCode } }
    var pongs: [[UInt8]] { state.withLock { $0.pongs } }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake.fail(WebSocketClient.ConnectError.handshakeRefused("connection closed"))
        messages.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        var replies: [ByteBuffer] = []
        var closeNow = false
        state.withLock { state in
            state.buffer.writeBuffer(&incoming)
            if !state.upgraded {
                let view = state.buffer.readableBytesView
                guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
                let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
                state.buffer.moveReaderIndex(forwardBy: end.upperBound - view.startIndex)
                guard head.hasPrefix("HTTP/1.1 101") else {
                    handshake.fail(WebSocketClient.ConnectError.handshakeRefused(head))
                    closeNow = true
                    return
                }
                state.upgraded = true
                handshake.succeed()
            }
            while let (fin, opcode, payload) = Self.nextFrame(&state.buffer) {
                switch opcode {
                case 0x0, 0x1, 0x2:
                    if opcode != 0 { state.message = []; state.messageOpcode = opcode }
                    state.message += payload
                    if fin && state.messageOpcode == 0x1 {
                        if let onText {
                            onText(state.message)
                        } else {
                            messages.yield(String(decoding: state.message, as: UTF8.self))
                        }
                        state.message = []
                    } else if fin && state.messageOpcode == 0x2 {
                        onBinary?(state.message)
                        state.message = []
                    }
                case 0x8:
                    if payload.count >= 2 { state.closeCode = UInt16(payload[0]) << 8 | UInt16(payload[1]) }
                    replies.append(ByteBuffer(bytes: WebSocketFrames.encode(opcode: 0x8, payload: Array(payload.prefix(2)), fin: true)))
                    closeNow = true
                case 0x9:
                    replies.append(ByteBuffer(bytes: WebSocketFrames.encode(opcode: 0xA, payload: payload, fin: true)))
                case 0xA:
                    state.pongs.append(payload)
                default:
                    break
                }
            }
            // Drop what was parsed, or the buffer grows with everything ever received.
            if state.buffer.readableBytes == 0 {
                state.buffer.clear()
            } else if state.buffer.readerIndex > 65_536 {
                state.buffer.discardReadBytes()
            }
        }
        for reply in replies { context.write(wrapOutboundOut(reply), promise: nil) }
        if !replies.isEmpty { context.flush() }
        if closeNow { context.close(promise: nil) }
    }

    /// Takes one complete server frame off the buffer (server frames are not masked).
    private static func nextFrame(_ buffer: inout ByteBuffer) -> (Bool, UInt8, [UInt8])? {
        let view = buffer.readableBytesView
        guard view.count >= 2 else { return nil }
        let first = view[view.startIndex], second = view[view.startIndex + 1]
        var length = Int(second & 0x7F)
        var offset = 2
        if length == 126 {
            guard view.count >= 4 else { return nil }
            length = Int(view[view.startIndex + 2]) << 8 | Int(view[view.startIndex + 3])
            offset = 4
        } else if length == 127 {
            guard view.count >= 10 else { return nil }
            length = (2..<10).reduce(0) { $0 << 8 | Int(view[view.startIndex + $1]) }
            offset = 10
        }
        guard view.count >= offset + length else { return nil }
        let payload = Array(view[(view.startIndex + offset)..<(view.startIndex + offset + length)])
        buffer.moveReaderIndex(forwardBy: offset + length)
        return (first & 0x80 != 0, first & 0x0F, payload)
    }
}

enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 0x3F] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
