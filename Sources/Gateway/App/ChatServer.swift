public import EventStore
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import NIOHTTP1
import Operations
import Projections
import ServiceLifecycle
import Synchronization

/// The chat server: the log, the views, and the HTTP and WebSocket front. One builder serves
/// `causerie serve` and the tests (which bind port 0 and read the port back).
public final class ChatServer: Sendable {
    public let configuration: ServerConfiguration
    /// The embedded log. Only this composition root, its LMDB upkeep and the backup and export
    /// routes see the concrete store; the chat core works through `EventLog` (ADR 001).
    public let store: LMDBEventStore
    let core: ChatCore
    let logger: Logger
    let readiness = Readiness()
    /// nil when TLS is off (docs/tls.md).
    public let tls: ServerTLS?
    /// Whose address a request is (X-Forwarded-For believed from configured proxies, TLS off).
    let clientAddress: ClientAddress
    /// Signs the client files and invitations handed out (docs/invitations.md).
    let clientFiles: ClientFileSigner
    /// WebDAV's locks and the file doors' password cache: one for the server's life.
    let davLocks = DAVLocks()
    /// The FTP door, once the application runs with one (tests read its port).
    let ftp = Mutex<FTPServer?>(nil)
    public var ftpPort: Int? { ftp.withLock { $0 }?.boundPort.withLock { $0 } }
    let doorLogin: DoorLogin
    let fileReadKeys: FileReadKeys
    /// The port once listening (known only then when the configured port is 0).
    let listening = ListeningPort()
    /// File contents (docs/files.md) and the uploads being received.
    let blobs: any BlobStore
    let uploads: UploadRegistry

    private init(_ configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        store = try LMDBEventStore(
            .init(directory: configuration.dataDirectory, initialMapSize: configuration.initialMapSize), logger: logger)
        do {
            let started = ContinuousClock.now
            tls = try ServerTLS.start(configuration.tls, dataDirectory: configuration.dataDirectory, logger: logger)
            if tls != nil {
                let elapsed = ContinuousClock.now - started
                let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                logger.info("TLS ready", metadata: ["tls.mode": "\(configuration.tls.mode)",
                                                    "startup.tls_ms": "\(String(format: "%.1f", milliseconds))"])
            }
        } catch {
            store.close()
            throw error
        }
        do {
            clientFiles = try ClientFileSigner.load(dataDirectory: configuration.dataDirectory)
            fileReadKeys = try FileReadKeys.load(dataDirectory: configuration.dataDirectory)
        } catch {
            store.close()
            throw error
        }
        do {
            let blobStore = try FileBlobStore(directory: configuration.dataDirectory + "/blobs")
            blobs = blobStore
            uploads = try UploadRegistry(directory: configuration.dataDirectory + "/uploads", blobs: blobStore)
        } catch {
            store.close()
            throw error
        }
        clientAddress = ClientAddress(trustedProxies: configuration.tls.mode == .off ? configuration.tls.trustedProxies : [])
        core = ChatCore(store: store, configuration: configuration, logger: logger)
        doorLogin = DoorLogin(core: core)
        Self.removeAbandonedDownloads(in: configuration.dataDirectory)
    }

    /// Renews the office certificate if due, or re-reads the admin's certificate files (SIGHUP).
    public func reloadTLS() { tls?.refresh() }

    /// Opens the log and folds it into the views; logs how long that took.
    public static func open(_ configuration: ServerConfiguration, logger: Logger) async throws -> ChatServer {
        let server = try ChatServer(configuration, logger: logger)
        do {
            let (events, seconds) = try await server.core.rebuild()
            // Everything folded at start counts as on screens already: searches wait for the index to hold it.
            let folded = server.core.position
            server.core.settledPositions.withLock { $0 = (folded, folded) }
            let indexed = try server.core.search.open(logID: server.store.storeID, head: server.core.position)
            logger.info("search index open", metadata: ["search.position": "\(indexed)", "search.behind": "\(server.core.position - min(indexed, server.core.position))"])
            logger.info("views rebuilt from the log", metadata: [
                "startup.events": "\(events)", "startup.seconds": "\(String(format: "%.3f", seconds))",
                "startup.events_per_s": "\(seconds > 0 ? Int(Double(events) / seconds) : 0)",
            ])
        } catch {
            server.close()
            throw error
        }
        return server
    }

    /// Dead peers (a laptop closed, a cable pulled) are found by TCP keep-alive: probes after 60 s
    /// of silence, every 10 s, 3 unanswered end the connection. The kernel does it without a task
    /// per connection; WebSocket auto-ping kept one (3 KiB each: docs/benchmarks.md, connections).
    /// Browsers ping on their side too (`ping` every 30 s), which keeps proxies from idling out.
    static func keepAlive(_ channel: any Channel) {
        let options: [(SocketOptionLevel, SocketOptionName, SocketOptionValue)] = [
            (SocketOptionLevel(SOL_SOCKET), SO_KEEPALIVE, 1),
            (SocketOptionLevel(IPPROTO_TCP), TCP_KEEPIDLE, 60),
            (SocketOptionLevel(IPPROTO_TCP), TCP_KEEPINTVL, 10),
            (SocketOptionLevel(IPPROTO_TCP), TCP_KEEPCNT, 3),
        ]
        for (level, name, value) in options {
            channel.setOption(ChannelOptions.socket(level, name), value: value).whenFailure { _ in }
        }
    }

    /// Backups and exports for download are prepared as `.download-*` files and removed once sent;
    /// a server stopped mid-download leaves them behind.
    private static func removeAbandonedDownloads(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".download-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// The Hummingbird application. `onFirstStart` gets the administrator's one-time password
    /// (once, at the very first start); `onRunning` gets the bound port.
    public func application(
        onFirstStart: @escaping @Sendable (ChatCore.FirstStart) -> Void = { _ in },
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let core = self.core
        let readiness = self.readiness
        let limits = configuration.limits
        let router = makeRouter()
        let logger = self.logger
        let http = HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)), httpDecoderConfiguration: .init(
            maxHeaderFieldSize: limits.maxHeaderFieldBytes, maxHeaderListSize: limits.maxHeaderBytes,
            maxHeaderFieldCount: limits.maxHeaderCount))
        let tls = self.tls
        let clientAddress = self.clientAddress
        @Sendable func address(_ channel: any Channel, _ head: HTTPRequestHead) -> String {
            clientAddress.resolve(peer: channel.remoteAddress?.ipAddress ?? "unknown", forwardedFor: head.headers["X-Forwarded-For"])
        }
        let server = HTTPServerBuilder { responder in
            ChatChannel(
                responder: responder, http: http,
                deadlines: .init(idle: .seconds(Int64(limits.idleTimeoutSeconds)), header: .seconds(Int64(limits.headerTimeoutSeconds)),
                                 minimumRate: limits.bodyMinimumBytesPerSecond, window: Int64(limits.bodyRateWindowSeconds)),
                maxFrameSize: max(limits.maxFrameBytes * 4, 1 << 20), tls: tls,
                shouldUpgrade: { head, channel in
                    guard head.uri.split(separator: "?").first == "/api/v1/ws" else { return false }
                    return core.addressAllowed(address(channel, head))
                },
                startSession: { channel, head in
                    Self.keepAlive(channel)
                    try channel.syncOptions?.setOption(
                        ChannelOptions.writeBufferWaterMark, value: LiveConnection.waterMark(capacity: limits.outboxFrames))
                    let session = WebSocketSession(
                        core: core, address: address(channel, head), readiness: readiness,
                        logger: logger, channel: channel)
                    try channel.pipeline.syncOperations.addHandler(
                        WebSocketFrameHandler(session: session, limit: limits.maxFrameBytes))
                })
        }
        let background = BackgroundService(core: core, store: store, tls: tls, blobs: blobs, uploads: uploads, readiness: readiness, onFirstStart: onFirstStart)
        var services: [any Service] = [background]
        let listening = self.listening
        if let discoveryPort = configuration.discoveryPort {
            let host = configuration.host
            services.append(DiscoveryResponder(port: discoveryPort, answer: {
                // Switched off by an administrator: no answer.
                guard core.withState({ $0.server.discoveryBroadcast }) else { return nil }
                return DiscoveryMessage.Answer(
                    name: core.withState { $0.server.settings.serverName }, version: Snapshots.version,
                    // Loopback means the asker's own machine: left out.
                    urls: listening.lanURLs(host: host, secure: tls != nil),
                    fingerprint: tls?.current.authority?.fingerprint)
            }, logger: logger))
        }
        // Announced only for a server on every interface: the A records name the addresses of the
        // interface asked on, which a server bound to one address may not answer on.
        if configuration.multicastDNS, ["0.0.0.0", "::", ""].contains(configuration.host) {
            services.append(MulticastDNSResponder(announcement: {
                guard let port = listening.port.flatMap(UInt16.init(exactly:)) else { return nil }
                return ServiceAnnouncement(
                    instance: core.withState { $0.server.settings.serverName }, host: LocalAddresses.hostName(), port: port,
                    version: Snapshots.version, fingerprint: tls?.current.authority?.fingerprint, secure: tls != nil)
            }, enabled: { core.withState { $0.server.discoveryMulticastDNS } }, logger: logger))
        }
        if let ftpPort = configuration.ftpPort {
            let files = FileService(kit: HTTPKit(core: core), blobs: blobs, uploads: uploads, readKeys: fileReadKeys)
            let door = FTPServer(settings: .init(host: configuration.host, port: ftpPort, passivePorts: configuration.ftpPassivePorts,
                                                 allowPlainPasswords: configuration.allowPlainPasswords,
                                                 idleSeconds: limits.idleTimeoutSeconds, connectionsPerAddress: 16),
                                 files: files, login: doorLogin, tls: tls, logger: logger)
            ftp.withLock { $0 = door }
            services.append(door)
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "Causerie",
                availableConnectionsDelegate: .maximum(limits.maxConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                listening.set(port)
                await onRunning(port)
            },
            logger: logger)
    }

    /// Every HTTP route, middleware first. The 405 rule needs the routes' list: a first router,
    /// built without it, gives it.
    func makeRouter(methodRule: Bool = true) -> Router<CauserieContext> {
        let routes = methodRule ? makeRouter(methodRule: false).routes.map { (method: $0.method.rawValue, path: $0.path.description) } : []
        let router = Router(context: CauserieContext.self)
        router.addMiddleware { ExpectContinueMiddleware() }
        if let tls {
            let core = self.core
            router.addMiddleware {
                TrustMiddleware(tls: tls, statics: StaticRoutes(webRoot: configuration.webRoot),
                                serverName: { core.withState { $0.server.settings.serverName } })
            }
        }
        if !clientAddress.trustedProxies.isEmpty { router.addMiddleware { ClientAddressMiddleware(rule: clientAddress) } }
        router.addMiddleware { ReadinessMiddleware(readiness: readiness) }
        router.addMiddleware { AddressRulesMiddleware(core: core) }
        let kit = HTTPKit(core: core)
        let files = FileService(kit: kit, blobs: blobs, uploads: uploads, readKeys: fileReadKeys)
        let tlsOn = tls != nil, proxied = !clientAddress.trustedProxies.isEmpty
        let dav = DAVHandler(files: files, login: doorLogin, locks: davLocks, secure: { request, context in
            // Over TLS here, or from a trusted proxy that terminated TLS.
            tlsOn || (proxied && context.forwardedAddress != nil && request.headers[.xForwardedProto]?.lowercased() == "https")
        }, allowPlainPasswords: configuration.allowPlainPasswords)
        router.addMiddleware { DAVMiddleware(dav: dav) }
        if methodRule { router.addMiddleware { MethodNotAllowedMiddleware(routes: routes) } }
        let store = self.store
        let api = router.group("api/v1")
        AccountRoutes(kit: kit).add(to: api)
        AppPasswordRoutes(kit: kit).add(to: api)
        RoomRoutes(kit: kit).add(to: api)
        AdminRoutes(kit: kit).add(to: api)
        OperationsRoutes(kit: kit, store: store, blobs: blobs).add(to: api)
        AuditRoutes(kit: kit, store: store, blobs: blobs).add(to: api)
        AdminRoomRoutes(kit: kit).add(to: api)
        StatisticsRoutes(kit: kit).add(to: api)
        SearchRoutes(kit: kit).add(to: api)
        BoardRoutes(kit: kit).add(to: api)
        CardRoutes(kit: kit).add(to: api)
        BulletinRoutes(files: files).add(to: api)
        let (listening, host, tls) = (self.listening, configuration.host, self.tls)
        ServerStatusRoutes(kit: kit, store: store, tls: tls, listening: listening, ftpPort: { [weak self] in self?.ftpPort }).add(to: api)
        InvitationRoutes(kit: kit, signer: clientFiles, urls: { listening.lanURLs(host: host, secure: tls != nil) },
                         fingerprint: { tls?.current.authority?.fingerprint }).add(to: api)
        UploadRoutes(files: files).add(to: api)
        FileRoutes(files: files).add(to: api)
        MetricsRoutes(kit: kit, store: store, tls: tls).add(to: router)
        StaticRoutes(webRoot: configuration.webRoot).add(to: router)
        return router
    }

    /// "METHOD /path/{parameter}" for every route (the OpenAPI test compares them with the spec).
    var routeDescriptions: [String] {
        makeRouter().routes.map { route in
            let path = route.path.description.split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method) /\(path.hasPrefix("/") ? String(path.dropFirst()) : path)"
        }
    }

    /// Waits until the views are live and a first start is done (tests).
    public func ready() async { await readiness.wait() }

    public func close() {
        core.search.close()
        store.close()
        FanoutTrace.shared.write()
    }
}

/// Runs the dispatcher (log → views → connections) and periodic upkeep until shutdown.
struct BackgroundService: Service {
    let core: ChatCore
    /// For LMDB's own upkeep (stale reader slots).
    let store: LMDBEventStore
    let tls: ServerTLS?
    let blobs: any BlobStore
    let uploads: UploadRegistry
    let readiness: Readiness
    let onFirstStart: @Sendable (ChatCore.FirstStart) -> Void

    func run() async throws {
        // Requests waiting for the views must not wait forever if the server stops first.
        defer { readiness.open() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await core.runDispatcher() }
            group.addTask { await SearchIndexer(core: core, index: core.search).run() }
            group.addTask {
                // What the views held a moment ago: a search waits for the index to hold that much.
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(100))
                    let now = core.position
                    core.settledPositions.withLock { $0 = ($0.newer, now) }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(250))
                    core.registry.flushPresence()
                }
            }
            group.addTask {
                // Backups and exports taken by the command-line tools while we run (see Spool).
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(2))
                    await core.appendSpooledOperations()
                }
            }
            if let period = core.sessionSweepPeriod {
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: period)
                        await core.expireIdleSessions()
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(60))
                    let cleared = store.clearStaleReaders()
                    if cleared > 0 { core.logger.notice("cleared stale LMDB readers", metadata: ["store.stale_readers": "\(cleared)"]) }
                }
            }
            group.addTask {
                // Kanban deadlines that near: each reminder logged once (docs/boards.md).
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(core.configuration.limits.deadlineCheckSeconds))
                    await core.remindDeadlines()
                }
            }
            group.addTask {
                // File contents nothing names any longer, after their grace period.
                let collector = BlobCollector(core: core, blobs: blobs, uploads: uploads)
                while !Task.isCancelled {
                    await collector.collect()
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            if let tls {
                // A new address (DHCP), or the certificate's last month: renewed within the hour.
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(3600))
                        tls.refresh()
                    }
                }
            }
            if let first = try await core.initializeIfNeeded() { onFirstStart(first) }
            await core.closeDanglingConnections()
            readiness.open()
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}

/// Opens once the server can answer: requests wait for it at start.
final class Readiness: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        if state.withLock({ $0.open }) { return }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

struct ReadinessMiddleware: RouterMiddleware {
    let readiness: Readiness

    func handle(_ request: Request, context: CauserieContext, next: (Request, CauserieContext) async throws -> Response)
        async throws -> Response
    {
        await readiness.wait()
        return try await next(request, context)
    }
}

/// The port the server listens on, once it does.
final class ListeningPort: Sendable {
    private let value = Mutex<Int?>(nil)

    var port: Int? { value.withLock { $0 } }
    func set(_ port: Int) { value.withLock { $0 = port } }

    /// Where people on the LAN open it (loopback means the asker's own machine: left out).
    func lanURLs(host: String, secure: Bool) -> [String] {
        guard let port else { return [] }
        return LocalAddresses.urls(host: host, port: port, scheme: secure ? "https" : "http")
            .filter { !$0.contains("://localhost:") && !$0.contains("://127.") }
    }
}
