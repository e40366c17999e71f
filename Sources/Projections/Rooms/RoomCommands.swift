/// A new room. Non-leavable and auto-join rooms concern everyone: administrators only.
public struct CreateRoom: Command {
    public var room: RoomID
    public var name: String
    public var topic: String
    public var visibility: RoomVisibility
    /// The join password, hashed by the gateway; nil for none.
    public var passwordHash: String?
    public var nonLeavable: Bool
    public var autoJoin: Bool

    public init(room: RoomID, name: String, topic: String = "", visibility: RoomVisibility, passwordHash: String? = nil,
                nonLeavable: Bool = false, autoJoin: Bool = false) {
        self.room = room
        self.name = name
        self.topic = topic
        self.visibility = visibility
        self.passwordHash = passwordHash
        self.nonLeavable = nonLeavable
        self.autoJoin = autoJoin
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.require(.createRooms, actor)
        if nonLeavable || autoJoin { try state.requireAdministrator(actor) }
        guard visibility != .direct else { throw .invalid("visibility") }
        guard RoomID.isWellFormed(room.rawValue), !room.rawValue.hasPrefix("dm_") else { throw .invalid("room_id") }
        guard let name = Names.roomName(name) else { throw .invalid("room_name") }
        guard state.rooms.byKey[name.key] == nil else { throw .conflict("room_name_taken") }
        guard state.rooms[room] == nil else { throw .conflict("room_exists") }
        guard let topic = Names.text(topic, limit: Limits.topic) else { throw .invalid("topic") }
        return Decision([
            PendingEvent(Streams.roomName(name.key), .roomNameClaimed(.init(room: room))),
            PendingEvent(Streams.room(room), .roomCreated(.init(
                room: room, name: name.display, topic: topic, visibility: visibility, passwordHash: passwordHash,
                nonLeavable: nonLeavable, autoJoin: autoJoin, members: [actor]))),
        ], mustBeNew: [Streams.roomName(name.key), Streams.room(room)], conflictReason: "room_name_taken")
    }
}

/// The direct conversation of the actor and another user, created if it does not exist yet.
public struct OpenDirect: Command {
    public var with: UserID
    public init(with: UserID) { self.with = with }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.require([.sendMessages, .directMessages], actor)
        guard with != actor else { throw .invalid("yourself") }
        guard let other = state.accounts[with], !other.disabled else { throw .notFound("user") }
        let room = RoomID.direct(actor, with)
        if state.rooms[room] != nil { return Decision([]) }
        return Decision([PendingEvent(Streams.room(room), .roomCreated(.init(
            room: room, name: "", topic: "", visibility: .direct, passwordHash: nil, nonLeavable: false, autoJoin: false,
            members: [actor, with].sorted())))], mustBeNew: [Streams.room(room)], conflictReason: "direct_exists")
    }
}

/// Name, topic, archiving and settings, by the room's operators (topic) or owner.
public struct ChangeRoom: Command {
    public enum Change: Sendable {
        case name(String)
        case topic(String)
        case archived(Bool)
        case settings(visibility: RoomVisibility, passwordHash: String?, nonLeavable: Bool, autoJoin: Bool)
        /// By an administrator only: everyone leaves, for good (`RoomDeleted`).
        case deleted(reason: String)
    }

    public var room: RoomID
    public var change: Change

    public init(room: RoomID, change: Change) {
        self.room = room
        self.change = change
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.roomModeratedBy(room, actor)
        let stream = Streams.room(room)
        switch change {
        case .topic(let topic):
            guard let clean = Names.text(topic, limit: Limits.topic) else { throw .invalid("topic") }
            return Decision([PendingEvent(stream, .topicChanged(.init(topic: clean)))])
        case .name(let name):
            guard let name = Names.roomName(name) else { throw .invalid("room_name") }
            if let holder = state.rooms.byKey[name.key], holder != room { throw .conflict("room_name_taken") }
            // Names are claimed for good: a rename claims the new key only if nobody ever held it.
            let claim = Streams.roomName(name.key)
            let held = state.rooms.byKey[name.key] == room || Names.key(found.name) == name.key
            return Decision(
                (held ? [] : [PendingEvent(claim, .roomNameClaimed(.init(room: room)))])
                    + [PendingEvent(stream, .roomRenamed(.init(name: name.display)))],
                mustBeNew: held ? [] : [claim], conflictReason: "room_name_taken")
        case .archived(let archived):
            guard room != .main else { throw .forbidden("main_room") }
            return Decision([PendingEvent(stream, .roomArchived(.init(archived: archived)))])
        case .settings(let visibility, let passwordHash, let nonLeavable, let autoJoin):
            guard visibility != .direct else { throw .invalid("visibility") }
            if (nonLeavable && !found.nonLeavable) || (autoJoin && !found.autoJoin) || room == .main {
                try state.requireAdministrator(actor)
            }
            return Decision([PendingEvent(stream, .roomSettingsChanged(.init(
                visibility: visibility, passwordHash: passwordHash, nonLeavable: nonLeavable, autoJoin: autoJoin)))])
        case .deleted(let reason):
            try state.requireAdministrator(actor)
            guard room != .main else { throw .forbidden("main_room") }
            guard let clean = Names.text(reason, limit: Limits.reason) else { throw .invalid("reason") }
            return Decision([PendingEvent(stream, .roomDeleted(.init(reason: clean)))])
        }
    }
}

/// Joining a room: public rooms by anyone not banned (with the password where there is one,
/// checked by the gateway), private rooms by invitation.
public struct JoinRoom: Command {
    public var room: RoomID
    /// The gateway checked the room's password against the one given.
    public var passwordAccepted: Bool

    public init(room: RoomID, passwordAccepted: Bool = false) {
        self.room = room
        self.passwordAccepted = passwordAccepted
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        guard let found = state.rooms[room], found.visibility != .direct, !found.deleted else { throw .notFound("room") }
        let invited = found.invited[actor] != nil
        // A private room is invisible to those not invited.
        guard found.visibility == .public || invited || found.members.contains(actor) else { throw .notFound("room") }
        guard !found.archived else { throw .forbidden("archived") }
        guard !found.banned.contains(actor) else { throw .forbidden("banned") }
        if found.members.contains(actor) { return Decision([]) }
        if found.passwordHash != nil && !invited && !passwordAccepted { throw .forbidden("room_password") }
        return Decision([PendingEvent(Streams.room(room), .memberJoined(.init(
            user: actor, method: invited ? .byInvitation : .byThemselves)))])
    }
}

public struct LeaveRoom: Command {
    public var room: RoomID
    public init(room: RoomID) { self.room = room }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.roomOfMember(room, actor)
        guard found.visibility != .direct else { throw .forbidden("direct_conversation") }
        guard !found.nonLeavable else { throw .forbidden("non_leavable") }
        return Decision([PendingEvent(Streams.room(room), .memberLeft(.init(user: actor)))])
    }
}

/// Any member may invite someone to a room they are in (operators of private rooms may also add
/// them directly, see `AddMember`).
public struct InviteToRoom: Command {
    public var room: RoomID
    public var user: UserID

    public init(room: RoomID, user: UserID) {
        self.room = room
        self.user = user
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        let found = try state.roomOfMember(room, actor)
        guard found.visibility != .direct else { throw .forbidden("direct_conversation") }
        guard let account = state.accounts[user], !account.disabled else { throw .notFound("user") }
        guard !found.members.contains(user) else { throw .conflict("already_member") }
        guard !found.banned.contains(user) else { throw .forbidden("banned") }
        if found.invited[user] != nil { return Decision([]) }
        return Decision([PendingEvent(Streams.room(room), .memberInvited(.init(user: user)))])
    }
}

/// The person invited declines; nothing to do if there is no invitation (declined elsewhere).
public struct DeclineInvitation: Command {
    public var room: RoomID
    public init(room: RoomID) { self.room = room }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        // Not invited looks like a room that does not exist: a private room stays invisible.
        guard let found = state.rooms[room], found.visibility != .direct else { throw .notFound("room") }
        guard found.invited[actor] != nil else {
            if found.visibility == .public { return Decision([]) }
            throw .notFound("room")
        }
        return Decision([PendingEvent(Streams.room(room), .invitationDeclined(.init(user: actor)))])
    }
}

/// Moderation by a room's operators: kick, ban, unban, mute, unmute, roles.
public struct ModerateRoom: Command {
    public enum Action: Sendable {
        case kick(reason: String)
        case ban(reason: String)
        case unban
        /// Until this time (µs since the epoch).
        case mute(until: Int64)
        case unmute
        case role(RoomRole)
        /// Add someone directly (operators of private rooms).
        case add
    }

    public var room: RoomID
    public var user: UserID
    public var action: Action

    public init(room: RoomID, user: UserID, action: Action) {
        self.room = room
        self.user = user
        self.action = action
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.roomModeratedBy(room, actor)
        guard state.accounts[user] != nil else { throw .notFound("user") }
        guard user != actor else { throw .forbidden("not_yourself") }
        // Operators cannot act on owners or other operators; owners and server moderators can.
        let serverWide = state.permissions(of: actor).contains(.moderate) || state.isAdministrator(actor)
        if !serverWide && found.role(of: user) >= found.role(of: actor) { throw .forbidden("higher_role") }
        let stream = Streams.room(room)
        switch action {
        case .kick(let reason):
            guard found.members.contains(user) else { throw .notFound("member") }
            guard found.visibility == .public || !found.nonLeavable || serverWide else { throw .forbidden("non_leavable") }
            return Decision([PendingEvent(stream, .memberKicked(.init(user: user, reason: try clean(reason))))])
        case .ban(let reason):
            guard !found.banned.contains(user) else { return Decision([]) }
            return Decision([PendingEvent(stream, .memberBanned(.init(user: user, reason: try clean(reason))))])
        case .unban:
            guard found.banned.contains(user) else { return Decision([]) }
            return Decision([PendingEvent(stream, .memberUnbanned(.init(user: user)))])
        case .mute(let until):
            guard until > now else { throw .invalid("until") }
            guard found.members.contains(user) else { throw .notFound("member") }
            return Decision([PendingEvent(stream, .memberMuted(.init(user: user, until: until)))])
        case .unmute:
            guard found.muted[user] != nil else { return Decision([]) }
            return Decision([PendingEvent(stream, .memberUnmuted(.init(user: user)))])
        case .role(let role):
            guard found.members.contains(user) else { throw .notFound("member") }
            // Only owners (or administrators) name operators and owners.
            guard serverWide || found.role(of: actor) == .owner else { throw .forbidden("not_owner") }
            return Decision([PendingEvent(stream, .roleChanged(.init(user: user, role: role)))])
        case .add:
            guard !found.members.contains(user) else { return Decision([]) }
            guard !found.banned.contains(user) else { throw .forbidden("banned") }
            return Decision([PendingEvent(stream, .memberJoined(.init(user: user, method: .addedByOperator)))])
        }
    }

    private func clean(_ reason: String) throws(Rejection) -> String {
        guard let text = Names.text(reason, limit: Limits.reason) else { throw .invalid("reason") }
        return text
    }
}
