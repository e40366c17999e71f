import EventStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics` for Prometheus: from this machine (the scraper beside the server), or with an
/// administrator's token (a bot token made for monitoring) from anywhere else.
struct MetricsRoutes {
    let kit: HTTPKit
    let store: LMDBEventStore
    let tls: ServerTLS?

    func add(to router: Router<CauserieContext>) {
        let core = kit.core
        router.get("metrics") { request, context in
            // The client's address: behind a trusted proxy, the one it forwarded, so that the
            // proxy's own loopback connection does not open this to everyone.
            if !Self.isLoopback(context.address) { _ = try kit.administrator(request) }
            let text = core.metrics.render(core: core, store: store, tls: tls)
            return Response(status: .ok, headers: [
                .contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        let canonical = ClientAddress.canonical(address)
        return canonical == "::1" || canonical.hasPrefix("127.")
    }
}
