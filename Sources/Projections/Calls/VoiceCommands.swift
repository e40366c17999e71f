/// The decisions of group voice, the same through every door (docs/calls.md, "Rights").

extension ChatState {
    /// Whether `user` may be in `room`'s voice now: an active account with the `voice` right, a
    /// member of a room that is neither deleted nor archived. The gateway asks again whenever
    /// rights or memberships change, and takes out whoever may no longer stay.
    public func mayUseVoice(_ user: UserID, in room: RoomID) throws(Rejection) {
        try require(.voice, user)
        let found = try roomOfMember(room, user)
        guard !found.deleted else { throw .notFound("room") }
        guard !found.archived else { throw .forbidden("archived") }
    }
}

public struct JoinVoice: Command {
    public var room: RoomID
    public init(room: RoomID) { self.room = room }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.mayUseVoice(actor, in: room)
        return Decision([PendingEvent(Streams.room(room), .voiceJoined(.init(room: room)))])
    }
}

/// `user` leaves the room's voice: by themselves, or the server says why (`reason`).
public struct LeaveVoice: Command {
    public var room: RoomID
    public var user: UserID
    public var reason: VoiceLeaveReason
    public init(room: RoomID, user: UserID, reason: VoiceLeaveReason) {
        self.room = room
        self.user = user
        self.reason = reason
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        // Leaving needs no right (one that was just removed is why some leave), only to be oneself
        // or the server; a moderator's kick is `KickFromVoice`.
        guard actor == user || actor == .system else { throw .forbidden("not_yourself") }
        guard state.rooms[room] != nil else { throw .notFound("room") }
        return Decision([PendingEvent(Streams.room(room), .voiceLeft(.init(room: room, user: user, reason: reason)))])
    }
}

/// A room's operator (or a server moderator) mutes, unmutes or takes someone out of its voice.
public struct ModerateVoice: Command {
    public enum Action: Sendable, Hashable { case mute, unmute, kick }
    public var room: RoomID
    public var user: UserID
    public var action: Action
    public init(room: RoomID, user: UserID, action: Action) {
        self.room = room
        self.user = user
        self.action = action
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.roomModeratedBy(room, actor)
        guard state.accounts[user] != nil else { throw .notFound("user") }
        let event: DomainEvent = switch action {
        case .mute: .voiceMuted(.init(room: room, user: user, muted: true))
        case .unmute: .voiceMuted(.init(room: room, user: user, muted: false))
        case .kick: .voiceLeft(.init(room: room, user: user, reason: .kicked))
        }
        return Decision([PendingEvent(Streams.room(room), event)])
    }
}
