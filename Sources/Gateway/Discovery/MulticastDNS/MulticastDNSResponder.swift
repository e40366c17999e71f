import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Wire

/// Announces the server over multicast DNS (RFC 6762) as `_causerie._tcp` and `_https._tcp`
/// (RFC 6763), IPv4, on every interface that can multicast (ADR 011): probes its names first,
/// renames itself on a conflict, announces, answers questions, says goodbye when it stops.
/// Port 5353 is shared (SO_REUSEPORT) with any other responder on the machine, such as Avahi.
struct MulticastDNSResponder: Service {
    /// Nil until the server listens (the port goes into the SRV record).
    let announcement: @Sendable () -> ServiceAnnouncement?
    /// False while an administrator has switched the announcement off (it is then silent).
    var enabled: @Sendable () -> Bool = { true }
    let logger: Logger
    var port = MulticastDNSResponder.port

    static let port = 5353
    static let group = "224.0.0.251"

    func run() async throws {
        var first = announcement()
        while first == nil, !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
            first = announcement()
        }
        guard var current = first else { return }
        // A datagram channel can die of a send error NIO deems fatal (an interface vanishing
        // under it): opened again a second later, as long as the server runs. Switched off by
        // an administrator: goodbye, then silence until it is switched on (probing again).
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            while !enabled() {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(250))
            }
            let channel: any Channel
            do {
                channel = try await bind(current)
            } catch {
                logger.warning("mDNS announcement is off: UDP port \(port) cannot be opened", metadata: ["error": "\(error)"])
                try? await gracefulShutdown()
                return
            }
            logger.info("announcing over mDNS", metadata: ["mdns.instance": "\(current.instance)", "mdns.host": "\(current.hostName)"])
            // Goodbye (TTL 0) on every interface when the server stops or the switch goes off, so
            // that browsers drop the entry now, not in 75 minutes; then the channel closes.
            let enabled = self.enabled
            try? await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await channel.closeFuture.get() }
                    group.addTask {
                        while enabled() { try await Task.sleep(for: .milliseconds(250)) }
                        Self.sayGoodbye(on: channel)
                        try await channel.closeFuture.get()
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                Self.sayGoodbye(on: channel)
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            if enabled() { try? await Task.sleep(for: .seconds(1)) } else { logger.info("mDNS announcement switched off") }
            current = announcement() ?? current
        }
    }

    /// TTL-0 records on every interface, then the channel closes.
    /// Once only in effect: on the channel's loop, and not on a channel already closed (whose
    /// handler would never answer).
    static func sayGoodbye(on channel: any Channel) {
        channel.eventLoop.execute {
            guard channel.isActive else { return }
            let said = channel.eventLoop.makePromise(of: Void.self)
            channel.pipeline.fireUserInboundEventTriggered(MulticastDNSHandler.Goodbye(done: said))
            said.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func bind(_ first: ServiceAnnouncement) async throws -> any Channel {
        let handler = MulticastDNSHandlerBox(first: first, port: port, logger: logger)
        return try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.init(rawValue: SO_REUSEPORT)), value: 1)
            .channelOption(.receivePacketInfo, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler.make())
                }
            }
            .bind(host: "0.0.0.0", port: port).get()
    }
}

/// Carries the handler's settings into the channel initializer (made there, on the loop).
struct MulticastDNSHandlerBox: Sendable {
    let first: ServiceAnnouncement
    let port: Int
    let logger: Logger
    func make() -> MulticastDNSHandler { MulticastDNSHandler(announcement: first, port: port, logger: logger) }
}

/// On the channel's event loop only.
final class MulticastDNSHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Goodbye: Sendable { let done: EventLoopPromise<Void> }

    /// An interface that can multicast, with its IPv4 addresses.
    struct Interface: Equatable {
        let index: Int
        let name: String
        var addresses: [[UInt8]]
        var device: NIONetworkDevice
        static func == (a: Interface, b: Interface) -> Bool { a.index == b.index && a.addresses == b.addresses }
    }

    enum Phase: Equatable { case probing(sent: Int), announcing(sent: Int), announced }

    private(set) var announcement: ServiceAnnouncement
    private var phase = Phase.probing(sent: 0)
    private var interfaces: [Interface] = []
    private var timer: Scheduled<Void>?
    private var refresh: RepeatedTask?
    private var conflicts: [NIODeadline] = []
    private let port: Int
    private let logger: Logger
    private let groupAddress: SocketAddress

    init(announcement: ServiceAnnouncement, port: Int, logger: Logger) {
        self.announcement = announcement
        self.port = port
        self.logger = logger
        self.groupAddress = try! SocketAddress(ipAddress: MulticastDNSResponder.group, port: port)
    }

    func channelActive(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(.ipOption(.ip_multicast_ttl), value: 255)
        try? context.channel.syncOptions?.setOption(.ipOption(.ip_multicast_loop), value: 1)
        updateInterfaces(context: context)
        // Interfaces come and go (a laptop docks, DHCP renews): looked at again every 30 s.
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        refresh = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(30), delay: .seconds(30)) { _ in
            let (handler, context) = bound.value
            if handler.updateInterfaces(context: context), handler.phase == .announced {
                handler.phase = .announcing(sent: 0)
                handler.step(context: context)
            }
        }
        // RFC 6762 §8.1: the first probe after a random 0–250 ms (hosts powered on together).
        schedule(after: .milliseconds(Int64.random(in: 0...250)), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        refresh?.cancel()
        context.fireChannelInactive()
    }

    /// Joins the group on interfaces not yet joined; true when the set or its addresses changed.
    @discardableResult
    private func updateInterfaces(context: ChannelHandlerContext) -> Bool {
        var found: [Int: Interface] = [:]
        for device in (try? System.enumerateDevices()) ?? [] {
            guard device.multicastSupported, case .v4(let address)? = device.address else { continue }
            let bytes = withUnsafeBytes(of: address.address.sin_addr.s_addr) { Array($0) }
            guard bytes.first != 127 else { continue }
            if found[device.interfaceIndex] == nil {
                found[device.interfaceIndex] = Interface(index: device.interfaceIndex, name: device.name, addresses: [], device: device)
            }
            found[device.interfaceIndex]?.addresses.append(bytes)
        }
        let next = found.values.sorted { $0.index < $1.index }
        guard next != interfaces else { return false }
        let joined = Set(interfaces.map(\.index))
        if let multicast = context.channel as? any MulticastChannel {
            for interface in next where !joined.contains(interface.index) {
                multicast.joinGroup(groupAddress, device: interface.device, promise: nil)
            }
        }
        interfaces = next
        return true
    }

    private var allAddresses: [[UInt8]] { interfaces.flatMap(\.addresses) }

    private func schedule(after delay: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) { bound.value.0.step(context: bound.value.1) }
    }

    /// Probing: three probes 250 ms apart; then two announcements a second apart (RFC 6762 §8).
    private func step(context: ChannelHandlerContext) {
        switch phase {
        case .probing(let sent) where sent < 3:
            for interface in interfaces {
                send(announcement.probe(addresses: interface.addresses), on: interface, context: context)
            }
            phase = .probing(sent: sent + 1)
            schedule(after: .milliseconds(250), context: context)
        case .probing:
            phase = .announcing(sent: 0)
            step(context: context)
        case .announcing(let sent):
            for interface in interfaces {
                let records = announcement.records(addresses: interface.addresses)
                send(DNSMessage(flags: DNSMessage.responseFlags, answers: records), on: interface, context: context)
            }
            if sent == 0 { logger.debug("announced over mDNS", metadata: ["mdns.instance": "\(announcement.instance)"]) }
            if sent + 1 < 2 {
                phase = .announcing(sent: sent + 1)
                schedule(after: .seconds(1), context: context)
            } else {
                phase = .announced
            }
        case .announced:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes <= 9000,
              let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes),
              let message = DNSMessage(decoding: bytes) else { return }
        let sourcePort = envelope.remoteAddress.port ?? 0
        let probing: Bool
        if case .probing = phase { probing = true } else { probing = false }
        if message.isResponse {
            // RFC 6762 §11: responses not from port 5353 are not mDNS.
            guard sourcePort == port else { return }
            if announcement.conflicts(with: message, addresses: allAddresses, probing: probing) { conflict(context: context) }
            return
        }
        if probing {
            if announcement.conflicts(with: message, addresses: allAddresses, probing: true) { conflict(context: context) }
            return
        }
        let interface = envelope.metadata?.packetInfo.flatMap { info in interfaces.first { $0.index == info.interfaceIndex } }
            ?? interfaces.first
        guard let interface, let (answers, additionals) = announcement.answer(message, addresses: interface.addresses) else { return }
        if sourcePort != port {
            // A one-shot "legacy" query (RFC 6762 §6.7): answered to its sender, with its id and
            // question, short TTLs and no cache-flush bits.
            func legacy(_ record: DNSRecord) -> DNSRecord {
                var record = record
                record.ttl = min(record.ttl, 10)
                record.cacheFlush = false
                return record
            }
            let reply = DNSMessage(id: message.id, flags: DNSMessage.responseFlags, questions: message.questions,
                                   answers: answers.map(legacy), additionals: additionals.map(legacy))
            write(reply, to: envelope.remoteAddress, context: context)
        } else {
            // Even for a question that asked for a unicast answer: several mDNS sockets may share
            // port 5353 on the asking host (SO_REUSEPORT hands a unicast datagram to one of them
            // only), and a multicast answer is always allowed (RFC 6762 §5.4).
            send(DNSMessage(flags: DNSMessage.responseFlags, answers: answers, additionals: additionals), on: interface, context: context)
        }
    }

    /// Another host has our name: take the next one and probe again, slowing down after 15
    /// conflicts in 10 s (RFC 6762 §8.1).
    private func conflict(context: ChannelHandlerContext) {
        let old = announcement
        announcement = announcement.renamed()
        logger.notice("mDNS name taken on the LAN: renamed", metadata: [
            "mdns.was": "\(old.instance) / \(old.hostName)", "mdns.now": "\(announcement.instance) / \(announcement.hostName)",
        ])
        let now = NIODeadline.now()
        conflicts = conflicts.filter { $0 > now - .seconds(10) } + [now]
        phase = .probing(sent: 0)
        schedule(after: conflicts.count >= 15 ? .seconds(5) : .milliseconds(Int64.random(in: 0...250)), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let goodbye = event as? Goodbye else { return context.fireUserInboundEventTriggered(event) }
        timer?.cancel()
        if phase != .probing(sent: 0) {
            for interface in interfaces {
                let records = announcement.records(addresses: interface.addresses, goodbye: true)
                send(DNSMessage(flags: DNSMessage.responseFlags, answers: records), on: interface, context: context)
            }
        }
        goodbye.done.succeed()
    }

    /// To the group, out of one interface.
    private func send(_ message: DNSMessage, on interface: Interface, context: ChannelHandlerContext) {
        guard let address = interface.addresses.first, let provider = context.channel as? any SocketOptionProvider else { return }
        // in_addr, 4 bytes: an 8-byte option value would be read as an ip_mreq (Linux), and
        // its second half, 0, would pick the default interface. On the loop, it is set at once.
        let value = in_addr(s_addr: address.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        _ = provider.setIPMulticastIF(value)
        write(message, to: groupAddress, context: context)
    }

    private func write(_ message: DNSMessage, to address: SocketAddress, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(bytes: message.encoded())
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram that could not go out (an interface went down) does not end the responder.
    }
}
