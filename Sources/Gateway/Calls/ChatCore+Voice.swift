import Logging
import NIOCore
import Projections

/// What the log tells voice to do (applied by every gateway, from the dispatcher).
enum VoiceEffect: Sendable {
    /// A moderator muted or unmuted someone.
    case mute(UserID, RoomID, Bool)
    /// A moderator took someone out.
    case kick(UserID, RoomID)
    /// Rights or memberships changed: whoever may no longer be in a voice is taken out.
    case review

    static func of(_ stored: StoredEvent) -> VoiceEffect? {
        switch stored.event {
        case .voiceMuted(let e): .mute(e.user, e.room, e.muted)
        case .voiceLeft(let e) where e.reason == .kicked: .kick(e.user, e.room)
        case .userDisabled, .memberLeft, .memberKicked, .memberBanned, .roomArchived, .roomDeleted: .review
        default: nil
        }
    }
}

/// Group voice's actions: the decision (pure, in Projections/Calls) is taken and logged first,
/// then the seat is taken or given up here (docs/calls.md).
extension ChatCore {
    /// Seats the connection in the room's voice; the position of the logged join.
    func joinVoice(_ connection: LiveConnection, room: RoomID) async throws(APIError) -> UInt64 {
        let position = try await execute(JoinVoice(room: room), by: connection.user)
        let left: [VoiceHub.Seat]
        do {
            left = try voice.join(connection, room: room)
        } catch {
            logger.error("voice: \(error)")
            throw APIError(code: "internal", reason: "voice_unavailable", status: 500)
        }
        // Moving to another room's voice leaves the first one (the same room from another
        // window keeps the user in it).
        for seat in left where seat.room != room { await logLeft(seat, .left) }
        return position
    }

    /// The connection leaves its room's voice; the position of the logged leave.
    func leaveVoice(_ connection: LiveConnection) async throws(APIError) -> UInt64 {
        guard let seat = voice.leave(connection.id) else { throw APIError.notFound("voice") }
        return await logLeft(seat, .left) ?? position
    }

    /// The connection closed: its seat is given up, and the leave logged (by the server).
    func voiceDisconnected(_ connection: LiveConnection) async {
        guard let seat = voice.leave(connection.id) else { return }
        await logLeft(seat, .disconnected)
    }

    func muteVoice(_ connection: LiveConnection, muted: Bool) throws(APIError) {
        guard voice.muteSelf(connection.id, muted) else { throw APIError.notFound("voice") }
    }

    /// Sends `frame` to the room's members (who is in its voice, who speaks).
    func announceVoice(_ room: RoomID, _ frame: ByteBuffer) {
        let members = withState { $0.rooms[room]?.members ?? [] }
        registry.send(frame, to: members)
    }

    /// Logs that `seat`'s user left, unless they are still in that voice from another connection.
    @discardableResult
    private func logLeft(_ seat: VoiceHub.Seat, _ reason: VoiceLeaveReason) async -> UInt64? {
        guard !voice.participants(in: seat.room).contains(where: { $0.user == seat.user }) else { return nil }
        let actor = reason == .left ? seat.user : .system
        return try? await execute(LeaveVoice(room: seat.room, user: seat.user, reason: reason), by: actor)
    }

    func perform(_ effect: VoiceEffect) {
        switch effect {
        case .mute(let user, let room, let muted):
            voice.muteByModerator(user, in: room, muted)
        case .kick(let user, let room):
            for seat in voice.remove(user, from: room) { seat.connection.send(VoiceFrames.ended(room, reason: .kicked)) }
        case .review:
            reviewCalls()
            let removed = voice.review { user, room in withState { (try? $0.mayUseVoice(user, in: room)) != nil } }
            for seat in removed {
                seat.connection.send(VoiceFrames.ended(seat.room, reason: .removed))
                Task { await logLeft(seat, .removed) }
            }
        }
    }
}
