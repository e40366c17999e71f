import ArgumentParser
import Foundation
import Gateway
import NIOCore
import NIOPosix
import Synchronization
import Wire

/// `causerie discover`: the Causerie servers on this machine's networks, found by UDP broadcast
/// and by multicast DNS (docs/discovery.md).
struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the Causerie servers on the local networks.",
        discussion: """
            Broadcasts "where is the Causerie server?" and asks multicast DNS for _causerie._tcp on every \
            network this machine is on, and lists the servers that answer either way: name, addresses, and \
            the fingerprint of their office authority (compare it with what the server printed before trusting it).
            """)

    @Option(help: "Seconds to wait for answers.") var timeout: Double = 2
    @Option(help: "The servers' discovery port (their --discovery-port).") var port: Int = DiscoveryMessage.defaultPort
    @Flag(help: "One JSON object per server instead of the table.") var json = false
    @Flag(name: .customLong("no-mdns"), help: "Broadcast only; do not ask multicast DNS.") var noMulticastDNS = false

    func validate() throws {
        guard (0.1...60).contains(timeout) else { throw ValidationError("--timeout must be 0.1 to 60 seconds") }
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
    }

    /// A server found, and the ways it was found.
    struct Found {
        var from: String
        var answer: DiscoveryMessage.Answer
        var foundBy: [String]
    }

    func run() async throws {
        async let broadcast = Self.search(port: port, timeout: timeout)
        async let multicast = noMulticastDNS ? [] : Self.searchMulticastDNS(timeout: timeout)
        let found = Self.merge(broadcast: try await broadcast, multicast: try await multicast)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for server in found {
                var line = String(decoding: try encoder.encode(server.answer), as: UTF8.self)
                line.removeLast()
                let ways = String(decoding: try encoder.encode(server.foundBy), as: UTF8.self)
                print(line + ",\"from\":\"\(server.from)\",\"foundBy\":\(ways)}")
            }
            return
        }
        guard !found.isEmpty else {
            print("No Causerie server answered within \(timeout) s (is discovery on, port \(port)/udp open?).")
            throw ExitCode(1)
        }
        for server in found {
            let answer = server.answer
            print("\(answer.name)  (from \(server.from), Causerie \(answer.version), found by \(server.foundBy.joined(separator: " and ")))")
            for url in answer.urls { print("   \(url)") }
            if let fingerprint = answer.fingerprint { print("   office authority SHA-256: \(fingerprint)") }
        }
    }

    /// One entry per server: the same name and authority heard both ways is one server, its
    /// addresses from both.
    static func merge(broadcast: [(String, DiscoveryMessage.Answer)], multicast: [(String, DiscoveryMessage.Answer)]) -> [Found] {
        var found = broadcast.map { Found(from: $0.0, answer: $0.1, foundBy: ["broadcast"]) }
        for (from, answer) in multicast {
            if let index = found.firstIndex(where: { $0.answer.name == answer.name && $0.answer.fingerprint == answer.fingerprint
                && !Set($0.answer.urls).isDisjoint(with: answer.urls) }) {
                if !found[index].foundBy.contains("mdns") { found[index].foundBy.append("mdns") }
                for url in answer.urls where !found[index].answer.urls.contains(url) { found[index].answer.urls.append(url) }
            } else if !found.contains(where: { $0.answer == answer }) {
                found.append(Found(from: from, answer: answer, foundBy: ["mdns"]))
            }
        }
        return found
    }

    /// Asks `_causerie._tcp.local` PTR on every interface that can multicast (a one-shot query
    /// from a port of our own: responders answer it to us alone, RFC 6762 §5.1), three times
    /// over the first half of the wait, and reads the servers from all the responses.
    static func searchMulticastDNS(timeout: Double) async throws -> [(String, DiscoveryMessage.Answer)] {
        let heard = Mutex<[(String, DNSMessage)]>([])
        var channels: [any Channel] = []
        let group = try SocketAddress(ipAddress: "224.0.0.251", port: 5353)
        for device in (try? System.enumerateDevices()) ?? [] {
            guard device.multicastSupported, case .v4(let address)? = device.address,
                  let host = device.address?.ipAddress, !host.hasPrefix("127.") else { continue }
            guard let channel = try? await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer({ channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector { from, message in
                            heard.withLock { $0.append((from, message)) }
                        })
                    }
                })
                .bind(host: host, port: 0).get() else { continue }
            if let provider = channel as? any SocketOptionProvider {
                try? await provider.setIPMulticastIF(address.address.sin_addr).get()
            }
            channels.append(channel)
        }
        let query = ByteBuffer(bytes: ServiceBrowse.query(id: UInt16.random(in: 1...UInt16.max)).encoded())
        for round in 0..<3 {
            for channel in channels where channel.isActive {
                try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: group, data: query))
            }
            if round < 2 { try await Task.sleep(for: .milliseconds(Int(timeout * 250))) }
        }
        try await Task.sleep(for: .milliseconds(Int(timeout * 500)))
        for channel in channels { try? await channel.close() }
        let messages = heard.withLock { $0 }
        var servers: [(String, DiscoveryMessage.Answer)] = []
        for answer in ServiceBrowse.servers(in: messages.map(\.1)) where !servers.contains(where: { $0.1 == answer }) {
            // From: the responder that first described it.
            let from = messages.first { ServiceBrowse.servers(in: [$0.1]).contains(answer) }?.0 ?? messages.first?.0 ?? "?"
            servers.append((from, answer))
        }
        return servers
    }

    /// Broadcasts the query on every interface and collects the answers, one per server, in the
    /// order they came. One socket per interface: a network without a route fails its own send
    /// (and NIO closes a datagram channel whose send fails), not the others'.
    static func search(port: Int, timeout: Double) async throws -> [(String, DiscoveryMessage.Answer)] {
        let answers = Mutex<[(String, DiscoveryMessage.Answer)]>([])
        var channels: [(any Channel, SocketAddress)] = []
        for target in broadcastAddresses() {
            guard let address = try? SocketAddress(ipAddress: target, port: port) else { continue }
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_broadcast), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AnswerCollector { address, answer in
                            // A server heard on two of its addresses (or asked three times) is one server.
                            answers.withLock { list in
                                if !list.contains(where: { $0.1 == answer }) { list.append((address, answer)) }
                            }
                        })
                    }
                }
                .bind(host: "0.0.0.0", port: 0).get()
            channels.append((channel, address))
        }
        let query = ByteBuffer(bytes: DiscoveryMessage.query)
        for round in 0..<3 {
            for (channel, address) in channels where channel.isActive {
                try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: query))
            }
            // Datagrams get lost: asked three times over the first half of the wait.
            if round < 2 { try await Task.sleep(for: .milliseconds(Int(timeout * 250))) }
        }
        try await Task.sleep(for: .milliseconds(Int(timeout * 500)))
        for (channel, _) in channels { try? await channel.close() }
        return answers.withLock { $0 }
    }

    /// Each IPv4 interface's broadcast address (its own address for loopback). Not the limited
    /// broadcast 255.255.255.255: it needs a default route, which an office LAN may not give.
    static func broadcastAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        var targets: [String] = []
        guard getifaddrs(&list) == 0, let first = list else { return targets }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = entry.pointee.ifa_flags
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  flags & UInt32(IFF_UP) != 0 else { continue }
            let target = flags & UInt32(IFF_LOOPBACK) != 0 ? entry.pointee.ifa_addr : entry.pointee.ifa_ifu.ifu_broadaddr
            guard let target, flags & UInt32(IFF_BROADCAST) != 0 || flags & UInt32(IFF_LOOPBACK) != 0 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(target, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0,
                              NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !targets.contains(text) { targets.append(text) }
        }
        return targets
    }
}

/// On the search channel's event loop only.
final class AnswerCollector: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let heard: (String, DiscoveryMessage.Answer) -> Void

    init(_ heard: @escaping (String, DiscoveryMessage.Answer) -> Void) { self.heard = heard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes),
              let answer = DiscoveryMessage.decode(bytes) else { return }
        heard(envelope.remoteAddress.ipAddress ?? "?", answer)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// On the mDNS search channel's event loop only: every well-formed response heard.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let heard: (String, DNSMessage) -> Void

    init(_ heard: @escaping (String, DNSMessage) -> Void) { self.heard = heard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes <= 9000,
              let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes),
              let message = DNSMessage(decoding: bytes), message.isResponse else { return }
        heard(envelope.remoteAddress.ipAddress ?? "?", message)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
