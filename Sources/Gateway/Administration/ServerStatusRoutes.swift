import EventStore
import Foundation
import Hummingbird
import Projections

/// The admin panel's Server tab: what runs and how — version, uptime, the log, the certificate
/// and its authority (docs/tls.md), discovery (docs/discovery.md). TLS and the ports are start-up
/// options (docs/configuration.md); discovery can also be switched off and on here, live.
struct ServerStatusRoutes {
    let kit: HTTPKit
    let store: LMDBEventStore
    let tls: ServerTLS?
    let listening: ListeningPort
    /// The FTP door's bound port, when it runs.
    let ftpPort: @Sendable () -> Int?
    var core: ChatCore { kit.core }

    struct Status: Encodable {
        struct Log: Encodable {
            var position: UInt64
            var headHash: String
            var bytes: UInt64
            var events: UInt64
        }
        struct Authority: Encodable {
            var name: String
            var fingerprint: String
            var validUntil: Int64
        }
        struct TLS: Encodable {
            var mode: String
            /// nil with the admin's own certificate (their authority is not ours to show).
            var authority: Authority?
            var serverNames: [String]
            var serverValidUntil: Int64
        }
        struct Discovery: Encodable {
            /// The UDP broadcast responder's port, nil when the start-up options turn it off.
            var broadcastPort: Int?
            /// Answering broadcasts now: it runs and the administrators' switch is on.
            var broadcast: Bool
            /// mDNS can run: the start-up options allow it and the server listens on every interface.
            var multicastDNSAvailable: Bool
            /// Announced over mDNS/DNS-SD now: available and switched on.
            var multicastDNS: Bool
            var urls: [String]
        }
        /// The file server's doors, and whether passwords may travel in clear (the admin page says so).
        struct FileServer: Encodable {
            var webdav: String
            var ftpPort: Int?
            var ftpTLS: Bool
            var plainPasswords: Bool
        }
        var version: String
        var startedAt: Int64
        var uptimeSeconds: Int64
        var dataDirectory: String
        var log: Log
        var tls: TLS?
        var discovery: Discovery
        var connections: Int
        var usersOnline: Int
        var fileServer: FileServer
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("admin/status") { request, _ in
            _ = try kit.administrator(request)
            let configuration = core.configuration
            let head = try? await core.store.head()
            let started = core.metrics.startedAt
            let current = tls?.current
            let (broadcastOn, multicastOn) = core.withState { ($0.server.discoveryBroadcast, $0.server.discoveryMulticastDNS) }
            let available = configuration.multicastDNS && ["0.0.0.0", "::", ""].contains(configuration.host)
            let status = Status(
                version: Snapshots.version, startedAt: Int64(started.timeIntervalSince1970 * 1000),
                uptimeSeconds: Int64(Date().timeIntervalSince(started)), dataDirectory: configuration.dataDirectory,
                log: .init(position: head?.position ?? core.position, headHash: head?.hash.hex ?? "",
                           bytes: UInt64(store.storedBytes()), events: head?.position ?? core.position),
                tls: current.map { current in
                    Status.TLS(mode: configuration.tls.mode.rawValue, authority: current.authority.map {
                        Status.Authority(name: $0.name, fingerprint: $0.fingerprint, validUntil: milliseconds($0.validUntil))
                    }, serverNames: current.serverNames, serverValidUntil: milliseconds(current.serverValidUntil))
                },
                discovery: .init(
                    broadcastPort: configuration.discoveryPort, broadcast: configuration.discoveryPort != nil && broadcastOn,
                    multicastDNSAvailable: available, multicastDNS: available && multicastOn,
                    urls: listening.lanURLs(host: configuration.host, secure: tls != nil)),
                connections: core.registry.connectionCount, usersOnline: core.registry.connectedUsers().count,
                fileServer: .init(webdav: "/dav/", ftpPort: ftpPort(), ftpTLS: configuration.ftpPort != nil && tls != nil,
                                  plainPasswords: configuration.allowPlainPasswords))
            return kit.json(status)
        }
        api.put("admin/discovery") { request, _ in
            let admin = try kit.administrator(request)
            let body = try await kit.body(DiscoveryBody.self, request)
            let (broadcast, multicast) = core.withState { ($0.server.discoveryBroadcast, $0.server.discoveryMulticastDNS) }
            return kit.ok(position: try await core.execute(ChangeDiscovery(
                broadcast: body.broadcast ?? broadcast, multicastDNS: body.multicastDNS ?? multicast), by: admin))
        }
    }

    struct DiscoveryBody: Decodable {
        var broadcast: Bool?
        var multicastDNS: Bool?
    }

    private func milliseconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
}
