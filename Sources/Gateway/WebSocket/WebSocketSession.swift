import EventStore
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Projections
import Wire
import Synchronization

/// One WebSocket connection: hello, welcome, catch-up, then commands in and events out.
///
/// Its `WebSocketFrameHandler` hands it each message on the socket's event loop; messages wait
/// in an inbox and one task handles them in order, and ends when the inbox is empty, so an idle
/// connection has no task (ADR 006). Frames go out through the `LiveConnection`, which writes to
/// the channel directly: first the welcome, then (from a task of its own) what the client
/// missed, read from the log up to the welcome's position, then everything live.
final class WebSocketSession: Sendable {
    enum Message: Sendable {
        case text([UInt8])
        /// Voice packets when the connection has a voice seat (docs/calls.md); otherwise refused.
        case binary([UInt8])
        case tooLarge
        case invalidUTF8

        var error: APIError {
            switch self {
            case .binary: .invalid("binary_frame")
            case .tooLarge: .tooLarge("frame_too_large")
            case .invalidUTF8: .invalid("invalid_utf8")
            case .text: .invalid("unexpected")
            }
        }
    }

    /// What the inbox holds, in the order it happened.
    private enum Inbound {
        /// With the time it was read off the socket when fan-out tracing is on (0 otherwise).
        case message(Message, at: UInt64)
        case disconnected
        case shutdown
    }

    private enum Phase {
        /// Waiting for a valid hello.
        case greeting
        case live(LiveConnection, catchingUp: Task<Void, Never>)
        case ended
    }

    private struct State {
        var inbox: [Inbound] = []
        var next = 0
        var running = false
        /// Reading stopped because the inbox is full.
        var paused = false
        var phase = Phase.greeting
        var bytesIn: UInt64 = 0
    }

    /// Messages waiting before the socket stops being read.
    static let inboxLimit = 32

    let core: ChatCore
    let address: String
    let logger: Logger
    let channel: any Channel
    private let readiness: Readiness
    private let state = Mutex(State())

    private var limits: ServerConfiguration.Limits { core.configuration.limits }

    init(core: ChatCore, address: String, readiness: Readiness, logger: Logger, channel: any Channel) {
        self.core = core
        self.address = address
        self.readiness = readiness
        self.logger = logger
        self.channel = channel
    }

    // MARK: From the event loop

    /// The WebSocket is open: the client has `helloTimeoutSeconds` to say hello.
    func start() {
        channel.eventLoop.scheduleTask(in: .seconds(Int64(limits.helloTimeoutSeconds))) { [self] in
            let greeting = state.withLock { state -> Bool in
                guard case .greeting = state.phase else { return false }
                state.phase = .ended
                return true
            }
            if greeting { refuse(nil, .invalid("hello_timeout")) }
        }
    }

    /// Queues a message; false if reading should pause until the inbox has room.
    func receive(_ message: Message) -> Bool {
        if case .text(let bytes) = message { state.withLock { $0.bytesIn += UInt64(bytes.count) } }
        // Voice goes straight to its jitter buffer: it must not wait behind commands.
        if case .binary(let bytes) = message, case .live(let connection, _) = state.withLock({ $0.phase }),
           core.voice.receive(from: connection.id, bytes) {
            return true
        }
        return enqueue(.message(message, at: FanoutTrace.shared.enabled ? FanoutTrace.now() : 0))
    }

    func disconnected() { _ = enqueue(.disconnected) }

    /// The socket's buffer is over its water mark: a live client is cut off at once (its catch-up
    /// and welcome wait for the socket instead, so they never get here).
    func tooSlow() {
        guard case .live(let connection, _) = state.withLock({ $0.phase }) else { return }
        connection.endIfTooSlow()
    }
    func shutdown() { _ = enqueue(.shutdown) }

    private func enqueue(_ item: Inbound) -> Bool {
        let (start, room) = state.withLock { state -> (Bool, Bool) in
            state.inbox.append(item)
            let waiting = state.inbox.count - state.next
            if waiting >= Self.inboxLimit { state.paused = true }
            if state.running { return (false, !state.paused) }
            state.running = true
            return (true, !state.paused)
        }
        if start { Task { await self.drain() } }
        return room
    }

    // MARK: The session's task

    private func drain() async {
        while let item = take() {
            await handle(item)
        }
    }

    /// The next item, or nil (and the task ends) when the inbox is empty.
    private func take() -> Inbound? {
        let (item, resume) = state.withLock { state -> (Inbound?, Bool) in
            guard state.next < state.inbox.count else {
                state.inbox.removeAll()
                state.next = 0
                state.running = false
                defer { state.paused = false }
                return (nil, state.paused)
            }
            let item = state.inbox[state.next]
            state.next += 1
            // A client that keeps the session busy never empties the inbox: drop what was taken.
            if state.next >= Self.inboxLimit && state.next * 2 >= state.inbox.count {
                state.inbox.removeFirst(state.next)
                state.next = 0
            }
            return (item, false)
        }
        if resume { channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
        return item
    }

    private func handle(_ item: Inbound) async {
        let phase = state.withLock { $0.phase }
        switch (item, phase) {
        case (.message(let message, _), .greeting):
            await greet(message)
        case (.message(let message, let receivedAt), .live(let connection, _)):
            let reply: ByteBuffer
            if case .text(let bytes) = message {
                reply = await FanoutTrace.$receivedAt.withValue(receivedAt) {
                    await CommandHandler(core: core, connection: connection).handle(bytes)
                }
            } else {
                reply = Frames.error(nil, message.error)
            }
            connection.send(reply)
        case (.message, .ended):
            break
        case (.shutdown, .live(let connection, _)):
            connection.end("server_shutdown")
        case (.shutdown, .greeting):
            state.withLock { $0.phase = .ended }
            channel.close(promise: nil)
        case (.shutdown, .ended):
            break
        case (.disconnected, .live(let connection, let catchingUp)):
            state.withLock { $0.phase = .ended }
            await closed(connection, catchingUp)
        case (.disconnected, _):
            state.withLock { $0.phase = .ended }
        }
    }

    // The helpers below are `@inline(never)`: the session's task is short-lived now, but a
    // catch-up or a command should not make every step's frame larger.

    @inline(never)
    private func closed(_ connection: LiveConnection, _ catchingUp: Task<Void, Never>) async {
        connection.markEnded()
        catchingUp.cancel()
        await catchingUp.value
        core.registry.unregister(connection)
        await core.voiceDisconnected(connection)
        await core.callsDisconnected(connection)
        let bytesIn = state.withLock { $0.bytesIn }
        _ = try? await core.execute(
            RecordConnection.closed(connection.id, bytesIn: bytesIn, bytesOut: connection.bytesOut), by: connection.user)
    }

    /// Sends what the client missed, then lets live frames through.
    @inline(never)
    private func catchUp(_ connection: LiveConnection, after lastSeen: UInt64?, through welcome: UInt64) async {
        do {
            if let lastSeen, lastSeen < welcome {
                try await core.catchUp(connection.user, after: lastSeen, through: welcome) { frames in
                    try await connection.sendNow(frames)
                }
            }
            connection.finishCatchUp()
        } catch {
            logger.debug("catch-up ended", metadata: ["conn.id": "\(connection.id)", "error": "\(error)"])
            connection.end("catch_up_failed")
        }
    }

    // MARK: Hello

    /// An error frame to a client that is not (or no longer) in session.
    private func reply(_ id: String?, _ error: APIError) {
        channel.writeAndFlush(LiveConnection.textFrame(Frames.error(id, error)), promise: nil)
    }

    /// An error frame, then a close (policy violation), then the socket closes.
    private func refuse(_ id: String?, _ error: APIError) {
        channel.closeWebSocket(saying: Frames.error(id, error), code: .policyViolation, reason: error.reason)
    }

    /// Handles a message before the session is established: a valid hello registers the
    /// connection and sends the welcome; anything else gets an error frame, and a hello that
    /// cannot be accepted closes the socket.
    @inline(never)
    private func greet(_ message: Message) async {
        // The views are still being built from the log at start: wait for them (a stop or a
        // disconnect meanwhile does not wait: only a hello needs the views).
        await readiness.wait()
        guard case .text(let bytes) = message else {
            reply(nil, message.error)
            return
        }
        let envelope: ClientFrames.Envelope
        do {
            envelope = try WireDecoder.decode(ClientFrames.Envelope.self, from: bytes)
        } catch {
            reply(nil, .invalid("malformed_json"))
            return
        }
        guard envelope.type == "hello" else {
            reply(envelope.id, .unauthorizedHello)
            return
        }
        let hello: ClientFrames.Hello
        do {
            hello = try WireDecoder.decode(ClientFrames.Hello.self, from: bytes)
        } catch {
            reply(envelope.id, APIError(error))
            return
        }
        guard hello.protocol?.value == 1 else {
            end(refusing: envelope.id, .invalid("protocol_version"))
            return
        }
        do {
            try await core.checkServerPassword(hello.serverPassword)
            let (user, tokenHash) = try core.authenticate(hello.token)
            let (connection, welcome) = try await self.welcome(user, tokenHash, hello, envelope.id)
            _ = try? await core.execute(RecordConnection.opened(connection.id, address: address, client: "websocket"), by: user)
            // The catch-up runs beside the commands, in a task of its own that ends when it is done.
            let catchingUp = Task { await catchUp(connection, after: hello.lastSeen?.value, through: welcome) }
            let live = state.withLock { state -> Bool in
                guard case .greeting = state.phase else { return false }
                state.phase = .live(connection, catchingUp: catchingUp)
                return true
            }
            // The hello timed out meanwhile: the socket is closing.
            if !live { await closed(connection, catchingUp) }
        } catch {
            end(refusing: envelope.id, error)
        }
    }

    private func end(refusing id: String?, _ error: APIError) {
        let greeting = state.withLock { state -> Bool in
            guard case .greeting = state.phase else { return false }
            state.phase = .ended
            return true
        }
        if greeting { refuse(id, error) }
    }

    /// Registers the connection against the state it is shown, so that what follows is exact.
    @inline(never)
    private func welcome(_ user: UserID, _ tokenHash: String, _ hello: ClientFrames.Hello, _ id: String?) async throws(APIError)
        -> (LiveConnection, UInt64)
    {
        let visibility = await core.visibility()
        let includeUsers = hello.users ?? true
        let connection = LiveConnection(
            id: SecureRandom.identifier("c"), user: user, tokenHash: tokenHash, address: address, capabilities: [],
            capacity: limits.outboxFrames, wantsPresence: includeUsers, channel: channel)
        let registry = core.registry
        let limit = limits.connectionsPerAddress
        let frame = core.withState { state -> ByteBuffer? in
            let permissions = state.permissions(of: user)
            connection.capabilities.withLock { $0 = permissions }
            let payload = Welcome(
                protocolVersion: 1, position: state.position, resumedFrom: hello.lastSeen?.value,
                me: Snapshots.me(user, state), server: Snapshots.server(state),
                rooms: Snapshots.rooms(for: user, state, at: visibility),
                invitations: Snapshots.invitations(for: user, state),
                announcements: Snapshots.announcements(for: user, state, at: visibility),
                bulletin: Snapshots.bulletin(for: user, state, now: Timestamp.now().microseconds),
                users: includeUsers ? Snapshots.users(state, presence: registry.presenceList()) : nil,
                iceServers: core.configuration.iceServers)
            guard registry.register(connection, liveAfter: state.position, limitPerAddress: limit) else { return nil }
            return Frames.encoded("welcome", id: id, payload)
        }
        guard let frame else { throw APIError.rateLimited("connections_per_address", after: 30) }
        do {
            try await connection.sendNow([frame])
        } catch {
            core.registry.unregister(connection)
            throw APIError.unavailable
        }
        let position = connection.liveAfter.withLock { $0 }
        return (connection, position)
    }

    struct Welcome: Encodable {
        var protocolVersion: Int
        /// The log position this snapshot reflects; events after it arrive live.
        var position: UInt64
        @AlwaysEncoded var resumedFrom: UInt64?
        var me: Snapshots.Me?
        var server: Snapshots.Server
        var rooms: [Snapshots.Room]
        var invitations: [Snapshots.Invitation]
        var announcements: Snapshots.Announcements
        var bulletin: Snapshots.Bulletin
        /// Null when the hello said `users: false`.
        @AlwaysEncoded var users: [Snapshots.User]?
        /// STUN/TURN servers for calls (configuration `calls.iceServers`); only to logged-in clients.
        var iceServers: [ServerConfiguration.IceServer]
    }
}

extension APIError {
    static let unauthorizedHello = APIError(code: "unauthorized", reason: "not_authenticated", status: 401)
}
