/// The decisions of one-to-one calls (docs/calls.md, "Rights"): who may ring whom, answer, end.
/// Which calls are ringing or going on is the gateway's (`CallHub`): calls are live, not views.

extension ChatState {
    /// Whether `user` may be in a call (audio; with video too when `video`) now.
    public func mayCall(_ user: UserID, video: Bool) throws(Rejection) {
        try require(video ? [.voice, .video] : .voice, user)
    }
}

/// The actor rings `callee` in their direct conversation (which must exist: open it first).
public struct StartCall: Command {
    public var call: String
    public var callee: UserID
    public var video: Bool
    public init(call: String, callee: UserID, video: Bool) {
        self.call = call
        self.callee = callee
        self.video = video
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.mayCall(actor, video: video)
        guard callee != actor else { throw .invalid("yourself") }
        let room = RoomID.direct(actor, callee)
        guard let conversation = state.rooms[room], conversation.members.contains(actor) else { throw .notFound("conversation") }
        // The one called must be able to take it (no use ringing someone who cannot answer).
        guard let account = state.accounts[callee], !account.disabled else { throw .notFound("user") }
        do throws(Rejection) {
            try state.mayCall(callee, video: false)
        } catch {
            throw .forbidden("callee_cannot_call")
        }
        return Decision([PendingEvent(Streams.room(room), .callStarted(.init(call: call, callee: callee, video: video)))])
    }
}

/// The one called answers (the gateway checked the call is ringing for them).
public struct AnswerCall: Command {
    public var call: String
    public var room: RoomID
    public var video: Bool
    public init(call: String, room: RoomID, video: Bool) {
        self.call = call
        self.room = room
        self.video = video
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.mayCall(actor, video: false)
        guard state.rooms[room]?.members.contains(actor) == true else { throw .notFound("call") }
        return Decision([PendingEvent(Streams.room(room), .callAnswered(.init(call: call)))])
    }
}

/// A call ends (the gateway says who called whom, why, and how long it lasted).
public struct EndCall: Command {
    public var call: String
    public var caller: UserID
    public var callee: UserID
    public var video: Bool
    public var reason: CallEndReason
    public var seconds: UInt64
    public init(call: String, caller: UserID, callee: UserID, video: Bool, reason: CallEndReason, seconds: UInt64) {
        self.call = call
        self.caller = caller
        self.callee = callee
        self.video = video
        self.reason = reason
        self.seconds = seconds
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard actor == .system || actor == caller || actor == callee else { throw .notFound("call") }
        let room = RoomID.direct(caller, callee)
        guard state.rooms[room] != nil else { throw .notFound("conversation") }
        return Decision([PendingEvent(Streams.room(room), .callEnded(.init(
            call: call, caller: caller, callee: callee, video: video, reason: reason, seconds: seconds)))])
    }
}
