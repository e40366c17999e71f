import NIOCore
import Operations
import Projections

/// One-to-one calls' actions (docs/calls.md): each change is decided (Projections/Calls) and
/// logged, then the parties' connections are told with `call` frames; signalling is relayed
/// between the two bound connections only.
extension ChatCore {
    /// Rings `callee` from `connection`; the call's id. Busy, or no one there to ring: the call is
    /// logged and ended at once, and the caller told why.
    func startCall(_ connection: LiveConnection, callee: UserID, video: Bool) async throws(APIError) -> String {
        guard !calls.busy(connection.user) else { throw APIError(code: "conflict", reason: "already_in_call", status: 409) }
        let id = SecureRandom.identifier("k")
        try await execute(StartCall(call: id, callee: callee, video: video), by: connection.user)
        let room = RoomID.direct(connection.user, callee)
        let call = CallHub.Call(id: id, room: room, caller: connection.user, callee: callee, video: video,
                                callerConnection: connection, calleeConnection: nil, phase: .ringing, answeredAt: nil)
        let reachable = registry.connections(of: callee)
        guard !reachable.isEmpty, calls.ring(call) else {
            let reason: CallEndReason = reachable.isEmpty ? .missed : .busy
            _ = try? await execute(EndCall(call: id, caller: connection.user, callee: callee, video: video, reason: reason, seconds: 0),
                                   by: .system)
            connection.send(CallFrames.call(call, state: "ended", reason: reason.name))
            return id
        }
        let ringing = CallFrames.call(call, state: "ringing")
        for device in reachable { device.send(ringing) }
        connection.send(ringing)
        let seconds = configuration.limits.callRingSeconds
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard let self, self.calls.call(id)?.phase == .ringing else { return }
            await self.finishCall(id, reason: .missed, by: .system)
        }
        return id
    }

    func answerCall(_ connection: LiveConnection, _ id: String) async throws(APIError) -> UInt64 {
        guard let ringing = calls.call(id), ringing.callee == connection.user else { throw APIError.notFound("call") }
        if let refusal = withState({ state -> Rejection? in
            do throws(Rejection) { try state.mayCall(connection.user, video: false) } catch { return error }
            return nil
        }) { throw APIError(refusal) }
        guard let call = calls.answer(id, from: connection) else { throw APIError(code: "conflict", reason: "not_ringing", status: 409) }
        let position = try await execute(AnswerCall(call: id, room: call.room, video: call.video), by: connection.user)
        let active = CallFrames.call(call, state: "active")
        call.callerConnection.send(active)
        connection.send(active)
        let elsewhere = CallFrames.call(call, state: "ended", reason: "answeredElsewhere")
        for device in registry.connections(of: call.callee) where device.id != connection.id { device.send(elsewhere) }
        return position
    }

    /// A party ends the call: a cancel (the caller, ringing), a decline (the one called, ringing)
    /// or a hang-up.
    func hangUp(_ connection: LiveConnection, _ id: String) async throws(APIError) -> UInt64 {
        guard let call = calls.call(id), call.involves(connection.user) else { throw APIError.notFound("call") }
        let reason: CallEndReason = call.phase == .active ? .hangUp : connection.user == call.caller ? .cancelled : .declined
        return await finishCall(id, reason: reason, by: connection.user) ?? position
    }

    /// The largest signalling message relayed (an SDP offer with video is a few KiB).
    static let maxSignalBytes = 65_536

    /// Relays a signalling message (SDP or ICE, as the client's JSON text) to the other party.
    func relaySignal(_ connection: LiveConnection, _ id: String, _ signal: String) throws(APIError) {
        guard signal.utf8.count <= Self.maxSignalBytes else { throw APIError.tooLarge("signal") }
        guard let call = calls.call(id), call.bound(connection) else { throw APIError.notFound("call") }
        guard let peer = call.peer(of: connection) else { throw APIError(code: "conflict", reason: "not_answered", status: 409) }
        peer.send(CallFrames.signal(id, signal))
    }

    /// Ends a call: logged (with its length), both sides told; the ringing devices of the one
    /// called too. Nil if it had already ended.
    @discardableResult
    func finishCall(_ id: String, reason: CallEndReason, by actor: UserID) async -> UInt64? {
        guard let call = calls.end(id) else { return nil }
        let position = try? await execute(EndCall(call: id, caller: call.caller, callee: call.callee, video: call.video, reason: reason,
                                                  seconds: call.seconds), by: actor)
        let ended = CallFrames.call(call, state: "ended", reason: reason.name)
        call.callerConnection.send(ended)
        if let answered = call.calleeConnection {
            answered.send(ended)
        } else {
            for device in registry.connections(of: call.callee) { device.send(ended) }
        }
        return position
    }

    /// A connection closed: the calls it was part of end.
    func callsDisconnected(_ connection: LiveConnection) async {
        for call in calls.calls(boundTo: connection) { await finishCall(call.id, reason: .disconnected, by: .system) }
    }

    /// Rights changed: calls whose parties may no longer be in them end.
    func reviewCalls() {
        for call in calls.all {
            let allowed = withState { state in
                (try? state.mayCall(call.caller, video: call.video)) != nil && (try? state.mayCall(call.callee, video: false)) != nil
            }
            if !allowed { Task { await finishCall(call.id, reason: .removed, by: .system) } }
        }
    }
}

/// Calls' frames to clients (docs/protocol.md, "Calls").
enum CallFrames {
    /// `{"type":"call","call","room","caller","callee","video","state","reason"?}`.
    static func call(_ call: CallHub.Call, state: String, reason: String? = nil) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "call")
        json.field("call", call.id)
        json.field("room", call.room.rawValue)
        json.field("caller", call.caller.rawValue)
        json.field("callee", call.callee.rawValue)
        json.field("video", call.video)
        json.field("state", state)
        if let reason { json.field("reason", reason) }
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    /// `{"type":"callSignal","call","signal"}`: the other party's SDP or ICE candidate, as sent.
    static func signal(_ call: String, _ signal: String) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "callSignal")
        json.field("call", call)
        json.field("signal", signal)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }
}

/// The logged call events as clients see them (the conversation's history shows them).
enum CallJSON {
    static func body(_ stored: StoredEvent, into json: inout JSONWriter) -> Bool {
        switch stored.event {
        case .callStarted(let e):
            json.field("kind", "call.started")
            json.field("room", stored.room?.rawValue)
            json.field("call", e.call)
            json.field("caller", stored.actor.rawValue)
            json.field("callee", e.callee.rawValue)
            json.field("video", e.video)
        case .callAnswered(let e):
            json.field("kind", "call.answered")
            json.field("room", stored.room?.rawValue)
            json.field("call", e.call)
        case .callEnded(let e):
            json.field("kind", "call.ended")
            json.field("room", stored.room?.rawValue)
            json.field("call", e.call)
            json.field("caller", e.caller.rawValue)
            json.field("callee", e.callee.rawValue)
            json.field("video", e.video)
            json.field("reason", e.reason.name)
            json.field("seconds", e.seconds)
        default:
            return false
        }
        return true
    }
}
