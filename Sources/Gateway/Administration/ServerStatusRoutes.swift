import EventStore
import Foundation
import Hummingbird
import Projections

/// The admin panel's Server tab: what runs and how — version, uptime, the log, the certificate
/// and its authority (docs/tls.md), discovery (docs/discovery.md). Read-only: these are start-up
/// options (docs/configuration.md), and the panel says where to change them.
struct ServerStatusRoutes {
    let kit: HTTPKit
    let store: LMDBEventStore
    let tls: ServerTLS?
    let listening: ListeningPort
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
            /// The UDP broadcast responder's port, nil when off.
            var broadcastPort: Int?
            /// Announced over mDNS/DNS-SD (on, and listening on every interface).
            var multicastDNS: Bool
            var urls: [String]
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
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("admin/status") { request, _ in
            _ = try kit.administrator(request)
            let configuration = core.configuration
            let head = try? await core.store.head()
            let started = core.metrics.startedAt
            let current = tls?.current
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
                    broadcastPort: configuration.discoveryPort,
                    multicastDNS: configuration.multicastDNS && ["0.0.0.0", "::", ""].contains(configuration.host),
                    urls: listening.lanURLs(host: configuration.host, secure: tls != nil)),
                connections: core.registry.connectionCount, usersOnline: core.registry.connectedUsers().count)
            return kit.json(status)
        }
    }

    private func milliseconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
}
