import Operations
import NIOCore
import Projections
import Synchronization

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
        /// Presence changes not yet told (sent in one frame by `flushPresence`).
        var presenceChanges: [UserID: Presence] = [:]
    }

    private let state = Mutex(State())

    init() {}

    var connectionCount: Int { state.withLock { $0.count } }

    /// Registers a connection that will receive live every event after `liveAfter`; false if its
    /// address already holds too many connections.
    func register(_ connection: LiveConnection, liveAfter: UInt64, limitPerAddress: Int) -> Bool {
        state.withLock { state -> Bool in
            guard state.perAddress[connection.address, default: 0] < limitPerAddress else { return false }
            connection.liveAfter.withLock { $0 = liveAfter }
            state.perAddress[connection.address, default: 0] += 1
            let before = Self.presence(of: connection.user, state)
            state.byUser[connection.user, default: [:]][connection.id] = connection
            state.count += 1
            let after = Self.presence(of: connection.user, state)
            if before != after { state.presenceChanges[connection.user] = after }
            return true
        }
    }

    func unregister(_ connection: LiveConnection) {
        state.withLock { state in
            guard state.byUser[connection.user]?.removeValue(forKey: connection.id) != nil else { return }
            if state.byUser[connection.user]?.isEmpty == true { state.byUser.removeValue(forKey: connection.user) }
            state.away.remove(connection.id)
            state.count -= 1
            state.perAddress[connection.address, default: 1] -= 1
            if state.perAddress[connection.address] == 0 { state.perAddress.removeValue(forKey: connection.address) }
            if Self.presence(of: connection.user, state) == .offline { state.presenceChanges[connection.user] = .offline }
        }
    }

    /// Marks a connection away or back; tells everyone if the user's presence changed.
    func setAway(_ connection: LiveConnection, _ away: Bool) {
        state.withLock { state in
            let before = Self.presence(of: connection.user, state)
            if away { state.away.insert(connection.id) } else { state.away.remove(connection.id) }
            let after = Self.presence(of: connection.user, state)
            if before != after { state.presenceChanges[connection.user] = after }
        }
    }

    /// Tells everyone the presence changes since the last call, in one frame. Batched so that a
    /// thousand people reconnecting after a restart cost a thousand frames, not a million.
    func flushPresence() {
        let changes = state.withLock { state -> [UserID: Presence] in
            defer { state.presenceChanges.removeAll(keepingCapacity: true) }
            return state.presenceChanges
        }
        guard !changes.isEmpty else { return }
        let frame = Self.presenceFrame(changes)
        state.withLock { state in
            for connections in state.byUser.values {
                for connection in connections.values where connection.wantsPresence { connection.send(frame) }
            }
        }
    }

    /// Everyone's presence (users with no connection are offline and not listed).
    func presenceList() -> [UserID: Presence] {
        state.withLock { state in
            state.byUser.keys.reduce(into: [:]) { result, user in result[user] = Self.presence(of: user, state) }
        }
    }

    func connectedUsers() -> [UserID] { state.withLock { Array($0.byUser.keys) } }

    /// Live connections of each connected user.
    func connectionCounts() -> [UserID: Int] { state.withLock { $0.byUser.mapValues(\.count) } }

    func connections(of user: UserID) -> [LiveConnection] {
        state.withLock { Array(($0.byUser[user] ?? [:]).values) }
    }

    /// Sends an event frame to its recipients. Connections too slow to take it are ended.
    /// Returns how many connections it was sent to.
    @discardableResult
    func deliver(_ frame: ByteBuffer, at position: UInt64, to recipients: Recipients) -> Int {
        let frame = WireFrame(text: frame)
        return state.withLock { state in
            var sent = 0
            func send(_ connections: [String: LiveConnection]) {
                for connection in connections.values where connection.liveAfter.withLock({ $0 < position }) {
                    connection.send(frame)
                    sent += 1
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
            return sent
        }
    }

    /// Sends a frame that is not an event (typing, presence) to some users, or all.
    func send(_ frame: ByteBuffer, to users: Set<UserID>?, except: String? = nil) {
        let frame = WireFrame(text: frame)
        state.withLock { state in
            for (user, connections) in state.byUser where users?.contains(user) ?? true {
                for connection in connections.values where connection.id != except { connection.send(frame) }
            }
        }
    }

    private static func presence(of user: UserID, _ state: State) -> Presence {
        guard let connections = state.byUser[user], !connections.isEmpty else { return .offline }
        return connections.keys.allSatisfy { state.away.contains($0) } ? .away : .online
    }

    static func presenceFrame(_ changes: [UserID: Presence]) -> ByteBuffer {
        var json = JSONWriter(capacity: 32 + changes.count * 48)
        json.beginObject()
        json.field("type", "presence")
        json.beginArray("changes")
        for (user, presence) in changes.sorted(by: { $0.key < $1.key }) {
            json.beginObject()
            json.field("user", user.rawValue)
            json.field("status", presence.rawValue)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }
}
