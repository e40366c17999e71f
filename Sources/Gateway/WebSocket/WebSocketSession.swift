import EventStore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Projections
import Synchronization

/// One WebSocket connection: hello, welcome, catch-up, then commands in and events out.
///
/// This task reads and answers commands. Frames go out through the `LiveConnection`, which writes
/// to the socket's channel directly: first the welcome, then (from a child task) what the client
/// missed, read from the log up to the welcome's position, then everything live.
struct WebSocketSession {
    let core: ChatCore
    let address: String
    let logger: Logger
    /// The socket's channel, written to directly once the session is established.
    let channel: any Channel

    private var limits: ServerConfiguration.Limits { core.configuration.limits }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        var reader = MessageReader(frames: inbound.makeAsyncIterator(), limit: limits.maxFrameBytes)
        let traffic = Traffic()
        guard let (connection, welcome, lastSeen) = await greet(&reader, outbound, traffic) else { return }
        let user = connection.user
        _ = try? await core.execute(RecordConnection.opened(connection.id, address: address, client: "websocket"), by: user)
        // The catch-up runs beside the reading, in a task of its own that ends when it is done
        // (a task group here would keep its frame for the whole connection).
        let catchingUp = Task { await catchUp(connection, after: lastSeen, through: welcome) }
        await readCommands(&reader, connection, traffic)
        connection.markEnded()
        catchingUp.cancel()
        await catchingUp.value
        core.registry.unregister(connection)
        let bytesIn = traffic.totals.0
        _ = try? await core.execute(
            RecordConnection.closed(connection.id, bytesIn: bytesIn, bytesOut: connection.bytesOut), by: user)
    }

    // The helpers below are `@inline(never)`: inlined, their locals would take room in `run`'s
    // async frame, which lives as long as the (mostly idle) connection (docs/benchmarks.md,
    // connections).

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

    /// Waits for a valid hello, registers the connection and sends the welcome. On failure the
    /// client gets an error frame and the socket is closed.
    @inline(never)
    private func greet(_ reader: inout MessageReader, _ outbound: WebSocketOutboundWriter, _ traffic: Traffic) async
        -> (LiveConnection, UInt64, UInt64?)?
    {
        let timeout = Task {
            try await Task.sleep(for: .seconds(limits.helloTimeoutSeconds))
            try? await outbound.write(.custom(.init(fin: true, opcode: .text, data: Frames.error(nil, .invalid("hello_timeout")))))
            try? await outbound.close(.policyViolation, reason: "hello timeout")
        }
        defer { timeout.cancel() }
        func refuse(_ id: String?, _ error: APIError) async {
            try? await outbound.write(.custom(.init(fin: true, opcode: .text, data: Frames.error(id, error))))
            try? await outbound.close(.policyViolation, reason: error.reason)
        }
        while true {
            let message: MessageReader.Message?
            do {
                message = try await reader.next()
            } catch {
                return nil
            }
            guard let message else { return nil }
            guard case .text(let bytes) = message else {
                try? await outbound.write(.custom(.init(fin: true, opcode: .text, data: Frames.error(nil, message.error))))
                continue
            }
            traffic.received(bytes.count)
            let envelope: ClientFrames.Envelope
            do {
                envelope = try JSONDecoder().decode(ClientFrames.Envelope.self, from: Data(bytes))
            } catch {
                try? await outbound.write(.custom(.init(fin: true, opcode: .text, data: Frames.error(nil, .invalid("malformed_json")))))
                continue
            }
            guard envelope.type == "hello" else {
                try? await outbound.write(.custom(.init(fin: true, opcode: .text,
                                                        data: Frames.error(envelope.id, .unauthorizedHello))))
                continue
            }
            let hello: ClientFrames.Hello
            do {
                hello = try JSONDecoder().decode(ClientFrames.Hello.self, from: Data(bytes))
            } catch {
                try? await outbound.write(.custom(.init(fin: true, opcode: .text, data: Frames.error(envelope.id, .fieldError(error)))))
                continue
            }
            guard hello.protocol == 1 else {
                await refuse(envelope.id, .invalid("protocol_version"))
                return nil
            }
            do {
                try await core.checkServerPassword(hello.serverPassword)
                let (user, tokenHash) = try core.authenticate(hello.token)
                return try await welcome(user, tokenHash, hello, envelope.id, outbound, traffic)
            } catch {
                await refuse(envelope.id, error)
                return nil
            }
        }
    }

    /// Registers the connection against the state it is shown, so that what follows is exact.
    @inline(never)
    private func welcome(_ user: UserID, _ tokenHash: String, _ hello: ClientFrames.Hello, _ id: String?,
                         _ outbound: WebSocketOutboundWriter, _ traffic: Traffic) async throws(APIError)
        -> (LiveConnection, UInt64, UInt64?)
    {
        let now = Timestamp.now().microseconds
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
                protocolVersion: 1, position: state.position, resumedFrom: hello.lastSeen,
                me: Snapshots.me(user, state), server: Snapshots.server(state),
                rooms: Snapshots.rooms(for: user, state, now: now),
                users: includeUsers ? Snapshots.users(state, presence: registry.presenceList()) : nil)
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
        return (connection, position, hello.lastSeen)
    }

    struct Welcome: Encodable {
        var protocolVersion: Int
        /// The log position this snapshot reflects; events after it arrive live.
        var position: UInt64
        var resumedFrom: UInt64?
        var me: Snapshots.Me?
        var server: Snapshots.Server
        var rooms: [Snapshots.Room]
        var users: [Snapshots.User]?
    }

    // MARK: Reading

    @inline(never)
    private func readCommands(_ reader: inout MessageReader, _ connection: LiveConnection, _ traffic: Traffic) async {
        let commands = CommandHandler(core: core, connection: connection)
        while true {
            let message: MessageReader.Message?
            do {
                message = try await reader.next()
            } catch {
                return
            }
            guard let message else { return }
            let reply: ByteBuffer
            switch message {
            case .text(let bytes):
                traffic.received(bytes.count)
                reply = await commands.handle(bytes)
            default:
                reply = Frames.error(nil, message.error)
            }
            if !connection.send(reply) { return }
        }
    }
}

/// Bytes received from one connection (for statistics; bytes sent are counted by `LiveConnection`).
final class Traffic: Sendable {
    private let counts = Mutex((received: UInt64(0), sent: UInt64(0)))

    func received(_ count: Int) { counts.withLock { $0.received += UInt64(count) } }
    var totals: (UInt64, UInt64) { counts.withLock { ($0.received, $0.sent) } }
}

/// Assembles WebSocket frames into messages, with a size limit that answers instead of closing.
struct MessageReader {
    enum Message {
        case text([UInt8])
        case binary
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

    var frames: WebSocketInboundStream.AsyncIterator
    let limit: Int

    mutating func next() async throws -> Message? {
        var buffer: [UInt8] = []
        var oversized = false
        var opcode: WebSocketDataFrame.Opcode?
        while let frame = try await frames.next() {
            switch frame.opcode {
            case .text, .binary:
                opcode = frame.opcode
                buffer.removeAll()
                oversized = false
            case .continuation:
                guard opcode != nil else { continue }
            }
            if !oversized {
                if buffer.count + frame.data.readableBytes > limit {
                    oversized = true
                    buffer = []
                } else {
                    buffer.append(contentsOf: frame.data.readableBytesView)
                }
            }
            guard frame.fin else { continue }
            if oversized { return .tooLarge }
            if opcode == .binary { return .binary }
            guard String(validating: buffer, as: UTF8.self) != nil else { return .invalidUTF8 }
            return .text(buffer)
        }
        return nil
    }
}

extension APIError {
    static let unauthorizedHello = APIError(code: "unauthorized", reason: "not_authenticated", status: 401)

    /// A field missing or of the wrong type in a frame or body.
    static func fieldError(_ error: any Error) -> APIError {
        guard let decoding = error as? DecodingError else { return .invalid("malformed_json") }
        switch decoding {
        case .keyNotFound(let key, _): return .invalid("missing_field:\(key.stringValue)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return .invalid("wrong_type:\(context.codingPath.map(\.stringValue).joined(separator: "."))")
        case .dataCorrupted(let context):
            // A value of the right JSON type but out of range (a negative position…).
            if context.codingPath.isEmpty { return .invalid("malformed_json") }
            return .invalid("wrong_type:\(context.codingPath.map(\.stringValue).joined(separator: "."))")
        @unknown default: return .invalid("malformed_json")
        }
    }
}
