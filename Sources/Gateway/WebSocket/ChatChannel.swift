import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Each accepted socket: HTTP/1.1 for the API and the web client, or, on `/api/v1/ws`, a WebSocket
/// served by channel handlers on the socket's event loop (ADR 006).
///
/// Hummingbird's own WebSocket channel runs every connection in a task that waits for frames for
/// as long as it is open: about 20 KiB of suspended async frames per idle client (heap profile,
/// docs/benchmarks.md, connections). Here a WebSocket has no task while it is idle: its
/// `WebSocketFrameHandler` hands each message to its `WebSocketSession`, which starts a task only
/// while it has messages to handle. HTTP connections are served by Hummingbird as before.
struct ChatChannel: HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case websocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let http: HTTP1Channel.Configuration
    /// How long a request may take to arrive (SlowClients.swift).
    let deadlines: RequestDeadlines.Limits
    let maxFrameSize: Int
    /// Whether this socket may become a WebSocket (path and address rules).
    let shouldUpgrade: @Sendable (HTTPRequestHead, any Channel) -> Bool
    /// Adds the WebSocket's handlers once the upgrade response is sent.
    let startSession: @Sendable (any Channel, HTTPRequestHead) throws -> Void
    /// With TLS on, each connection's first byte says whether it is TLS or plain HTTP (ADR 010);
    /// plain HTTP then only gets the trust page and redirects (TrustRoutes), never a WebSocket.
    let tls: ServerTLS?

    init(responder: @escaping HTTPChannelHandler.Responder, http: HTTP1Channel.Configuration,
         deadlines: RequestDeadlines.Limits, maxFrameSize: Int, tls: ServerTLS?,
         shouldUpgrade: @escaping @Sendable (HTTPRequestHead, any Channel) -> Bool,
         startSession: @escaping @Sendable (any Channel, HTTPRequestHead) throws -> Void) {
        self.responder = Self.redirectingLateUpgrades(responder)
        self.http = http
        self.deadlines = deadlines
        self.maxFrameSize = maxFrameSize
        self.tls = tls
        self.shouldUpgrade = shouldUpgrade
        self.startSession = startSession
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let tls else {
            return channel.eventLoop.makeCompletedFuture {
                let deadlines = RequestDeadlines(limits: self.deadlines)
                let value = try configure(channel, secure: false, deadlines: deadlines, logger: logger)
                try channel.pipeline.syncOperations.addHandler(RequestBytesHandler(deadlines), name: RequestBytesHandler.name,
                                                               position: .first)
                return value
            }
        }
        // The deadlines watch the socket's bytes (a stalled handshake counts as a stalled header);
        // the sniffer, after them, puts TLS (or nothing) between itself and HTTP, then leaves.
        // The channel's value is given at once (the socket is read only once it is), its
        // outcome once the first bytes came.
        return channel.eventLoop.makeCompletedFuture {
            let outcome = channel.eventLoop.makePromise(of: UpgradeResult.self)
            let deadlines = RequestDeadlines(limits: self.deadlines)
            try channel.pipeline.syncOperations.addHandler(RequestBytesHandler(deadlines), name: RequestBytesHandler.name)
            let sniffer = SchemeSniffer(
                timeout: self.deadlines.header,
                decide: { context, secure in
                    let value = try configure(channel, secure: secure, deadlines: deadlines, logger: logger)
                    if secure {
                        try context.pipeline.syncOperations.addHandler(tls.makeHandler(), position: .after(context.handler))
                    }
                    value.upgradeResult.cascade(to: outcome)
                },
                onFailure: { outcome.fail($0) })
            try channel.pipeline.syncOperations.addHandler(sniffer, name: SchemeSniffer.name)
            return Value(upgradeResult: outcome.futureResult, channel: channel)
        }
    }

    /// HTTP/1.1 with the WebSocket upgrade, appended to the pipeline.
    private func configure(_ channel: any Channel, secure: Bool, deadlines: RequestDeadlines, logger: Logger) throws -> Value {
        let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
        let plainBesideTLS = tls != nil && !secure
        let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
            maxFrameSize: maxFrameSize,
            enableAutomaticErrorHandling: false,  // WebSocketFrameHandler.errorCaught answers
            shouldUpgrade: { [shouldUpgrade] channel, head in
                attempted.value = true
                let allowed = !plainBesideTLS && shouldUpgrade(head, channel)
                return channel.eventLoop.makeSucceededFuture(allowed ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [startSession] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    // A WebSocket is not a request: its own limits apply (hello timeout, frames).
                    _ = channel.pipeline.syncOperations.removeHandler(name: RequestBytesHandler.name)
                    _ = channel.pipeline.syncOperations.removeHandler(name: RequestPartsHandler.name)
                    _ = channel.pipeline.syncOperations.removeHandler(name: ExpectContinueHandler.name)
                    try startSession(channel, head)
                    return .websocket
                }
            })
        let upgrades = NIOTypedHTTPServerUpgradeConfiguration(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { [http] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                    try channel.pipeline.syncOperations.addHandlers(http.additionalChannelHandlers())
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(
                        idleTimeout: http.idleTimeout.map { .init($0) }, logger: logger))
                    let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    return attempted.value ? .failedUpgrade(asyncChannel) : .notUpgraded(asyncChannel)
                }
            })
        var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgrades)
        configuration.enablePipelining = false  // NIOAsyncChannel reads one request at a time
        configuration.enableErrorHandling = false  // Hummingbird answers errors
        configuration.enableResponseHeaderValidation = false  // HTTPTypes validates them
        configuration.decoderConfiguration.maxHeaderFieldSize = http.httpDecoder.maxHeaderFieldSize
        configuration.decoderConfiguration.maxHeaderListSize = http.httpDecoder.maxHeaderListSize
        configuration.decoderConfiguration.maxHeaderFieldCount = http.httpDecoder.maxHeaderFieldCount
        let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
        let decoder = try channel.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let parts = RequestPartsHandler(deadlines)
        try channel.pipeline.syncOperations.addHandler(parts, name: RequestPartsHandler.name, position: .after(decoder.handler))
        try channel.pipeline.syncOperations.addHandler(ExpectContinueHandler(), name: ExpectContinueHandler.name, position: .after(parts))
        return Value(upgradeResult: result, channel: channel)
    }

    /// HTTP is served in this connection's task; a WebSocket needs none (its handlers run it).
    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .websocket:
                return
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .failedUpgrade(let http1):
                await refuseUpgrade(http1)
            }
        } catch {
            logger.debug("connection ended during the upgrade", metadata: ["error": "\(error)"])
        }
    }

    /// A WebSocket request refused (wrong path, address not allowed): 400, and the socket closes.
    private func refuseUpgrade(_ http1: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) async {
        try? await http1.executeThenClose { _, outbound in
            let response = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
            try await outbound.write(contentsOf: [.head(response), .end(nil)])
        }
    }

    /// NIO upgrades only a connection's first request: a WebSocket asked for after other
    /// requests on a kept-alive connection is redirected to the same address, on a new connection.
    private static func redirectingLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder)
        -> HTTPChannelHandler.Responder
    {
        struct Redirected: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                try await responder(request, writer, channel)
                return
            }
            let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            try await writer.writeResponse(HTTPResponse(
                status: .temporaryRedirect, headerFields: [.connection: "close", .location: path]))
            throw Redirected()
        }
    }
}
