import NIOCore
import Projections
import Synchronization

/// One live WebSocket session of a user.
final class LiveConnection: Sendable {
    let id: String
    let user: UserID
    let tokenHash: String
    let address: String
    let outbox: Outbox
    /// The permissions last sent to this client (pushed again when they change).
    let capabilities: Mutex<Permissions>
    /// Set when the server decides to end the session (logged out elsewhere, disabled, too slow).
    let closeReason = Mutex<String?>(nil)
    /// Events at or before this position reach the client by its catch-up, not live.
    let liveAfter = Mutex<UInt64>(.max)

    /// Closes the socket at once (a client so slow its writes block cannot be told politely).
    let abort: @Sendable () -> Void

    init(id: String, user: UserID, tokenHash: String, address: String, capabilities: Permissions, outboxCapacity: Int,
         abort: @escaping @Sendable () -> Void = {}) {
        self.abort = abort
        self.id = id
        self.user = user
        self.tokenHash = tokenHash
        self.address = address
        self.outbox = Outbox(capacity: outboxCapacity)
        self.capabilities = Mutex(capabilities)
    }

    /// Ends the session: the writer sends a last frame with the reason and closes. A client too
    /// slow to read is cut off at once: its socket buffers are full, nothing more can be sent.
    func end(_ reason: String) {
        closeReason.withLock { if $0 == nil { $0 = reason } }
        outbox.close()
        if reason == "too_slow" { abort() }
    }
}

/// Who should receive an event, resolved against the state when it was applied.
enum Recipients: Sendable {
    case none
    case everyone
    case users(Set<UserID>)
}

/// The live connections, by user and by address, and presence.
///
/// A connection registers with the position of the state it was shown (its welcome); events after
/// it arrive live, events up to it come from its catch-up read of the log, so each event reaches
/// it exactly once. Lock order: the state's lock may be held when taking this one, never the
/// reverse.
final class ConnectionRegistry: Sendable {
    enum Presence: String, Sendable {
        case online, away, offline
    }

    private struct State {
        var byUser: [UserID: [String: LiveConnection]] = [:]
        var away: Set<String> = []
        var perAddress: [String: Int] = [:]
        var count = 0
    }

    private let state = Mutex(State())

    init() {}

    var connectionCount: Int { state.withLock { $0.count } }

    /// Registers a connection that will receive live every event after `liveAfter`; false if its
    /// address already holds too many connections.
    func register(_ connection: LiveConnection, liveAfter: UInt64, limitPerAddress: Int) -> Bool {
        let (registered, presenceFrame) = state.withLock { state -> (Bool, ByteBuffer?) in
            guard state.perAddress[connection.address, default: 0] < limitPerAddress else { return (false, nil) }
            connection.liveAfter.withLock { $0 = liveAfter }
            state.perAddress[connection.address, default: 0] += 1
            let before = Self.presence(of: connection.user, state)
            state.byUser[connection.user, default: [:]][connection.id] = connection
            state.count += 1
            let after = Self.presence(of: connection.user, state)
            return (true, before == after ? nil : Self.presenceFrame(connection.user, after))
        }
        if let presenceFrame { broadcast(presenceFrame) }
        return registered
    }

    func unregister(_ connection: LiveConnection) {
        let frame = state.withLock { state -> ByteBuffer? in
            guard state.byUser[connection.user]?.removeValue(forKey: connection.id) != nil else { return nil }
            if state.byUser[connection.user]?.isEmpty == true { state.byUser.removeValue(forKey: connection.user) }
            state.away.remove(connection.id)
            state.count -= 1
            state.perAddress[connection.address, default: 1] -= 1
            if state.perAddress[connection.address] == 0 { state.perAddress.removeValue(forKey: connection.address) }
            let after = Self.presence(of: connection.user, state)
            return after == .offline ? Self.presenceFrame(connection.user, after) : nil
        }
        if let frame { broadcast(frame) }
    }

    /// Marks a connection away or back; tells everyone if the user's presence changed.
    func setAway(_ connection: LiveConnection, _ away: Bool) {
        let frame = state.withLock { state -> ByteBuffer? in
            let before = Self.presence(of: connection.user, state)
            if away { state.away.insert(connection.id) } else { state.away.remove(connection.id) }
            let after = Self.presence(of: connection.user, state)
            return before == after ? nil : Self.presenceFrame(connection.user, after)
        }
        if let frame { broadcast(frame) }
    }

    /// Everyone's presence (users with no connection are offline and not listed).
    func presenceList() -> [UserID: Presence] {
        state.withLock { state in
            state.byUser.keys.reduce(into: [:]) { result, user in result[user] = Self.presence(of: user, state) }
        }
    }

    func connectedUsers() -> [UserID] { state.withLock { Array($0.byUser.keys) } }

    func connections(of user: UserID) -> [LiveConnection] {
        state.withLock { Array(($0.byUser[user] ?? [:]).values) }
    }

    /// Queues an event frame for its recipients. Connections too slow to take it are ended.
    func deliver(_ frame: ByteBuffer, at position: UInt64, to recipients: Recipients) {
        var slow: [LiveConnection] = []
        state.withLock { state in
            func send(_ connections: [String: LiveConnection]) {
                for connection in connections.values where connection.liveAfter.withLock({ $0 < position }) {
                    if !connection.outbox.push(frame) { slow.append(connection) }
                }
            }
            switch recipients {
            case .none: break
            case .everyone: for connections in state.byUser.values { send(connections) }
            case .users(let users):
                if users.count <= state.byUser.count {
                    for user in users { if let connections = state.byUser[user] { send(connections) } }
                } else {
                    for (user, connections) in state.byUser where users.contains(user) { send(connections) }
                }
            }
        }
        for connection in slow { connection.end("too_slow") }
    }

    /// Sends a frame that is not an event (presence, typing) to some users, or all.
    func send(_ frame: ByteBuffer, to users: Set<UserID>?, except: String? = nil) {
        var slow: [LiveConnection] = []
        state.withLock { state in
            for (user, connections) in state.byUser where users?.contains(user) ?? true {
                for connection in connections.values where connection.id != except && !connection.outbox.push(frame) {
                    slow.append(connection)
                }
            }
        }
        for connection in slow { connection.end("too_slow") }
    }

    private func broadcast(_ frame: ByteBuffer) { send(frame, to: nil) }

    private static func presence(of user: UserID, _ state: State) -> Presence {
        guard let connections = state.byUser[user], !connections.isEmpty else { return .offline }
        return connections.keys.allSatisfy { state.away.contains($0) } ? .away : .online
    }

    static func presenceFrame(_ user: UserID, _ presence: Presence) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "presence")
        json.field("user", user.rawValue)
        json.field("status", presence.rawValue)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }
}
