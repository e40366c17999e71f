import ArgumentParser
import Foundation
import Gateway
import NIOCore
import NIOPosix
import Synchronization

/// `causerie discover`: the Causerie servers on this machine's networks, found by UDP broadcast
/// (docs/discovery.md).
struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the Causerie servers on the local networks.",
        discussion: """
            Broadcasts "where is the Causerie server?" on every network this machine is on and lists \
            the servers that answer: name, addresses, and the fingerprint of their office authority \
            (compare it with what the server printed before trusting it).
            """)

    @Option(help: "Seconds to wait for answers.") var timeout: Double = 2
    @Option(help: "The servers' discovery port (their --discovery-port).") var port: Int = DiscoveryMessage.defaultPort
    @Flag(help: "One JSON object per server instead of the table.") var json = false

    func validate() throws {
        guard (0.1...60).contains(timeout) else { throw ValidationError("--timeout must be 0.1 to 60 seconds") }
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
    }

    func run() async throws {
        let found = try await Self.search(port: port, timeout: timeout)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for (address, answer) in found {
                var line = String(decoding: try encoder.encode(answer), as: UTF8.self)
                line.removeLast()
                print(line + ",\"from\":\"\(address)\",\"foundBy\":\"broadcast\"}")
            }
            return
        }
        guard !found.isEmpty else {
            print("No Causerie server answered within \(timeout) s (is discovery on, port \(port)/udp open?).")
            throw ExitCode(1)
        }
        for (address, answer) in found {
            print("\(answer.name)  (from \(address), Causerie \(answer.version), found by broadcast)")
            for url in answer.urls { print("   \(url)") }
            if let fingerprint = answer.fingerprint { print("   office authority SHA-256: \(fingerprint)") }
        }
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
