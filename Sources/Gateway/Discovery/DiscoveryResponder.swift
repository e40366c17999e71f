import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Answers `DiscoveryMessage.query` on a UDP port for as long as the server runs, unless `answer`
/// says nil (an administrator switched discovery off). Answers are limited per sender (a few a
/// second): a forged source address cannot make the server flood it.
struct DiscoveryResponder: Service {
    let port: Int
    let answer: @Sendable () -> DiscoveryMessage.Answer?
    let logger: Logger

    func run() async throws {
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_broadcast), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DiscoveryHandler(answer: answer))
                    }
                }
                .bind(host: "0.0.0.0", port: port).get()
        } catch {
            // The chat works without it: say so, and go on.
            logger.warning("LAN discovery is off: its UDP port cannot be opened", metadata: [
                "discovery.port": "\(port)", "error": "\(error)",
            ])
            try? await gracefulShutdown()
            return
        }
        logger.info("answering LAN discovery", metadata: ["discovery.port": "\(port)"])
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

/// On the datagram channel's event loop only.
final class DiscoveryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let answer: @Sendable () -> DiscoveryMessage.Answer?
    /// Answers per sender in the current second.
    private var answered: [String: Int] = [:]
    private var second = 0

    init(answer: @escaping @Sendable () -> DiscoveryMessage.Answer?) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes == DiscoveryMessage.query.count,
              let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes),
              DiscoveryMessage.isQuery(bytes) else { return }
        let now = Int(NIODeadline.now().uptimeNanoseconds / 1_000_000_000)
        if now != second {
            second = now
            answered.removeAll(keepingCapacity: true)
        }
        let sender = envelope.remoteAddress.ipAddress ?? ""
        guard let current = answer() else { return }
        guard answered[sender, default: 0] < 3, answered.count < 1000 else { return }
        answered[sender, default: 0] += 1
        let reply = ByteBuffer(bytes: DiscoveryMessage.encode(current))
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram error (an ICMP unreachable for an earlier answer) does not end the responder.
    }
}
