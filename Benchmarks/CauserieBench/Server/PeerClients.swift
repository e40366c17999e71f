import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The load generator's clients of the peer servers the fan-out is compared with: an IRC client
/// (InspIRCd) and an MQTT 3.1.1 client (mosquitto). Like `BenchConnection`, each hands what it
/// receives to a callback on its event loop, with no task and no parsing beyond finding the
/// send time ("t=<ns>") in the payload.
final class PeerConnection: Sendable {
    enum Speech: Sendable {
        /// Registers as `nick`, joins `#main`; sends PRIVMSGs to it.
        case irc(nick: String)
        /// Connects as `client`, subscribes to `office/main` (QoS 0) unless it only publishes.
        case mqtt(client: String, subscribe: Bool)
    }

    private let channel: any Channel
    private let kind: Speech

    private init(channel: any Channel, kind: Speech) {
        self.channel = channel
        self.kind = kind
    }

    /// Connects and returns once the client is in the channel or subscribed to the topic.
    static func open(host: String, port: Int, as kind: Speech, group: any EventLoopGroup,
                     onPayload: @escaping @Sendable ([UInt8]) -> Void) async throws -> PeerConnection {
        let ready = group.next().makePromise(of: Void.self)
        let handler: any ChannelHandler & Sendable = switch kind {
        case .irc(let nick): IRCHandler(nick: nick, ready: ready, onPayload: onPayload)
        case .mqtt(let client, let subscribe): MQTTHandler(client: client, subscribe: subscribe, ready: ready, onPayload: onPayload)
        }
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: host, port: port).get()
        do {
            try await ready.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return PeerConnection(channel: channel, kind: kind)
    }

    /// Sends `text` to the room: a PRIVMSG to #main, or a PUBLISH to office/main.
    func send(_ text: String) {
        switch kind {
        case .irc: channel.writeAndFlush(ByteBuffer(string: "PRIVMSG #main :\(text)\r\n"), promise: nil)
        case .mqtt: channel.writeAndFlush(ByteBuffer(bytes: MQTTHandler.publish(topic: "office/main", payload: Array(text.utf8))), promise: nil)
        }
    }

    func close() async {
        try? await channel.close()
    }
}

struct PeerRefused: Error, CustomStringConvertible {
    let description: String
}

/// IRC (RFC 2812) as far as a fan-out needs: register, answer PING, join, read PRIVMSGs.
/// Only touched on its channel's event loop.
final class IRCHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let nick: String
    private let ready: EventLoopPromise<Void>
    private let onPayload: @Sendable ([UInt8]) -> Void
    private var buffer = ByteBuffer()
    private var joined = false
    private static let privmsg = Array(" PRIVMSG ".utf8)

    init(nick: String, ready: EventLoopPromise<Void>, onPayload: @escaping @Sendable ([UInt8]) -> Void) {
        self.nick = nick
        self.ready = ready
        self.onPayload = onPayload
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "NICK \(nick)\r\nUSER \(nick) 0 * :bench\r\n")), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready.fail(PeerRefused(description: "IRC connection closed before joining"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let line = nextLine() {
            if line.starts(with: Array("PING".utf8)) {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: Array("PONG".utf8) + line.dropFirst(4) + [13, 10])), promise: nil)
            } else if joined {
                if Frames.find(Self.privmsg, in: line) != nil { onPayload(line) }
            } else if Frames.find(Array(" 001 ".utf8), in: line) != nil {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "JOIN #main\r\n")), promise: nil)
            } else if Frames.find(Array(" 366 ".utf8), in: line) != nil {
                joined = true
                ready.succeed()
            } else if Frames.find(Array("ERROR".utf8), in: line) == 0 {
                ready.fail(PeerRefused(description: String(decoding: line, as: UTF8.self)))
            }
        }
        if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > 65_536 { buffer.discardReadBytes() }
    }

    private func nextLine() -> [UInt8]? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: 10) else { return nil }
        let line = Array(view[view.startIndex..<newline]).filter { $0 != 13 }
        buffer.moveReaderIndex(forwardBy: newline - view.startIndex + 1)
        return line
    }
}

/// MQTT 3.1.1 (OASIS) as far as a fan-out needs: CONNECT, SUBSCRIBE at QoS 0, PUBLISH at QoS 0.
/// Only touched on its channel's event loop.
final class MQTTHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let client: String
    private let subscribe: Bool
    private let ready: EventLoopPromise<Void>
    private let onPayload: @Sendable ([UInt8]) -> Void
    private var buffer = ByteBuffer()

    init(client: String, subscribe: Bool, ready: EventLoopPromise<Void>, onPayload: @escaping @Sendable ([UInt8]) -> Void) {
        self.client = client
        self.subscribe = subscribe
        self.ready = ready
        self.onPayload = onPayload
    }

    func channelActive(context: ChannelHandlerContext) {
        // CONNECT: protocol "MQTT" level 4, clean session, keep-alive 600 s, the client id.
        let variable: [UInt8] = Self.string("MQTT") + [4, 0x02, 0x02, 0x58] + Self.string(client)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: Self.packet(0x10, variable))), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready.fail(PeerRefused(description: "MQTT connection closed before subscribing"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let (type, body) = nextPacket() {
            switch type >> 4 {
            case 2:  // CONNACK: subscribe.
                guard body.count == 2, body[1] == 0 else {
                    ready.fail(PeerRefused(description: "MQTT CONNACK refused"))
                    return
                }
                guard self.subscribe else {
                    ready.succeed()
                    break
                }
                let subscribe: [UInt8] = [0, 1] + Self.string("office/main") + [0]
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: Self.packet(0x82, subscribe))), promise: nil)
            case 9: ready.succeed()  // SUBACK
            case 3: onPayload(body)  // PUBLISH (QoS 0: topic, then the payload)
            default: break
            }
        }
        if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > 65_536 { buffer.discardReadBytes() }
    }

    /// One whole packet: its first byte and its body.
    private func nextPacket() -> (UInt8, [UInt8])? {
        let view = buffer.readableBytesView
        guard view.count >= 2 else { return nil }
        var length = 0, multiplier = 1, index = view.startIndex + 1
        while true {
            guard index < view.endIndex else { return nil }
            let byte = view[index]
            length += Int(byte & 0x7F) * multiplier
            multiplier *= 128
            index += 1
            if byte & 0x80 == 0 { break }
        }
        guard view.endIndex - index >= length else { return nil }
        let packet = (view[view.startIndex], Array(view[index..<(index + length)]))
        buffer.moveReaderIndex(forwardBy: index + length - view.startIndex)
        return packet
    }

    static func publish(topic: String, payload: [UInt8]) -> [UInt8] { packet(0x30, string(topic) + payload) }

    static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    static func packet(_ first: UInt8, _ body: [UInt8]) -> [UInt8] {
        var out = [first]
        var length = body.count
        repeat {
            var byte = UInt8(length % 128)
            length /= 128
            if length > 0 { byte |= 0x80 }
            out.append(byte)
        } while length > 0
        return out + body
    }
}
