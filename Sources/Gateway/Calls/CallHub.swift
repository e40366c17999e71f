import Projections
import Synchronization

/// The one-to-one calls ringing or going on (docs/calls.md). A call rings on every connection of
/// the one called; the connection that answers is bound to it, and from then on signalling
/// (offer, answer, ICE candidates) goes only between the caller's connection and that one.
/// Calls are live state, not a view: a restart ends them (their "ended" is then missing from
/// the log, and the history shows them as started only).
final class CallHub: Sendable {
    enum Phase: Sendable, Equatable { case ringing, active }

    struct Call: Sendable {
        let id: String
        let room: RoomID
        let caller: UserID
        let callee: UserID
        let video: Bool
        let callerConnection: LiveConnection
        var calleeConnection: LiveConnection?
        var phase: Phase
        var answeredAt: ContinuousClock.Instant?

        func involves(_ user: UserID) -> Bool { caller == user || callee == user }
        func bound(_ connection: LiveConnection) -> Bool {
            callerConnection.id == connection.id || calleeConnection?.id == connection.id
        }

        /// The other party's connection, for a connection of an answered call.
        func peer(of connection: LiveConnection) -> LiveConnection? {
            guard phase == .active else { return nil }
            if callerConnection.id == connection.id { return calleeConnection }
            if calleeConnection?.id == connection.id { return callerConnection }
            return nil
        }

        /// Seconds since it was answered (0 if it never was).
        var seconds: UInt64 {
            guard let answeredAt else { return 0 }
            return UInt64(max(0, (ContinuousClock.now - answeredAt).components.seconds))
        }
    }

    private let calls = Mutex<[String: Call]>([:])

    /// Whether `user` is in a call, ringing or answered.
    func busy(_ user: UserID) -> Bool { calls.withLock { $0.values.contains { $0.involves(user) } } }

    /// Adds a ringing call unless either party is already in one; false then.
    func ring(_ call: Call) -> Bool {
        calls.withLock { calls in
            guard !calls.values.contains(where: { $0.involves(call.caller) || $0.involves(call.callee) }) else { return false }
            calls[call.id] = call
            return true
        }
    }

    func call(_ id: String) -> Call? { calls.withLock { $0[id] } }

    /// The one called answers from `connection`: the call, now active; nil if it is not ringing for them.
    func answer(_ id: String, from connection: LiveConnection) -> Call? {
        calls.withLock { calls -> Call? in
            guard var call = calls[id], call.phase == .ringing, call.callee == connection.user else { return nil }
            call.phase = .active
            call.calleeConnection = connection
            call.answeredAt = .now
            calls[id] = call
            return call
        }
    }

    /// Removes a call; the call as it was, nil if it had already ended.
    func end(_ id: String) -> Call? { calls.withLock { $0.removeValue(forKey: id) } }

    /// Calls a closing connection was part of: as caller, or as the callee's answering connection.
    func calls(boundTo connection: LiveConnection) -> [Call] {
        calls.withLock { $0.values.filter { $0.bound(connection) } }
    }

    var all: [Call] { calls.withLock { Array($0.values) } }
}
