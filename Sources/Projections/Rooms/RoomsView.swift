/// Rooms, who is in them (now and at any past position), roles, bans and mutes.
public struct RoomsView: Hashable, Sendable {
    /// A stretch of positions `[from, to)` during which a user was a member (`to` nil: still is).
    public struct Span: Hashable, Sendable {
        public var from: UInt64
        public var to: UInt64?
        public func contains(_ position: UInt64) -> Bool { position >= from && (to.map { position < $0 } ?? true) }
    }

    public struct Room: Hashable, Sendable {
        public var id: RoomID
        public var name: String
        public var topic: String
        public var visibility: RoomVisibility
        public var passwordHash: String?
        public var nonLeavable: Bool
        public var autoJoin: Bool
        public var archived = false
        /// Deleted by an administrator: no members, no joining, listed nowhere.
        public var deleted = false
        public var createdAt: UInt64
        public var members: Set<UserID> = []
        /// Pending invitations: who was invited, by whom and where in the log.
        public var invited: [UserID: Invitation] = [:]
        public var banned: Set<UserID> = []
        /// Muted until (µs since the epoch).
        public var muted: [UserID: Int64] = [:]
        public var roles: [UserID: RoomRole] = [:]
        public var history: [UserID: [Span]] = [:]

        public func role(of user: UserID) -> RoomRole { roles[user] ?? .member }

        public func wasMember(_ user: UserID, at position: UInt64) -> Bool {
            history[user]?.contains { $0.contains(position) } ?? false
        }

        mutating func join(_ user: UserID, at position: UInt64) {
            guard members.insert(user).inserted else { return }
            invited.removeValue(forKey: user)
            history[user, default: []].append(Span(from: position, to: nil))
        }

        mutating func leave(_ user: UserID, at position: UInt64) {
            guard members.remove(user) != nil else { return }
            if var spans = history[user], !spans.isEmpty {
                spans[spans.count - 1].to = position + 1
                history[user] = spans
            }
        }
    }

    public struct Invitation: Hashable, Sendable {
        public var by: UserID
        public var position: UInt64
    }

    public var byID: [RoomID: Room] = [:]
    /// Normalised name key → room (not for direct conversations).
    public var byKey: [String: RoomID] = [:]
    /// The rooms each user is in now.
    public var roomsOf: [UserID: Set<RoomID>] = [:]

    public init() {}

    public subscript(id: RoomID) -> Room? { byID[id] }

    public func isMember(_ user: UserID, of room: RoomID) -> Bool {
        byID[room]?.members.contains(user) ?? false
    }

    /// Folds an event. `accounts` is the accounts view before this event (for auto-join rooms).
    public mutating func apply(_ event: StoredEvent, accounts: AccountsView) {
        switch event.event {
        case .userRegistered(let e):
            // Auto-join rooms take every new user in.
            for (id, room) in byID where room.autoJoin && !room.archived { join(e.user, id, at: event.position) }
            return
        case .roomCreated(let e):
            var room = Room(
                id: e.room, name: e.name, topic: e.topic, visibility: e.visibility, passwordHash: e.passwordHash,
                nonLeavable: e.nonLeavable, autoJoin: e.autoJoin, createdAt: event.position)
            if e.visibility != .direct { byKey[Names.key(e.name)] = e.room }
            byID[e.room] = room
            let initial = e.autoJoin ? Array(accounts.byID.keys) + e.members : e.members
            for user in initial { join(user, e.room, at: event.position) }
            room = byID[e.room]!
            if let creator = e.members.first, e.visibility != .direct, room.roles.isEmpty {
                byID[e.room]?.roles[creator] = .owner
            }
            return
        case .messagePosted, .messageEdited, .messageDeleted:
            return  // the most frequent events change nothing here
        default: break
        }
        guard let id = event.room, var room = byID[id] else { return }
        switch event.event {
        case .roomRenamed(let e):
            if byKey[Names.key(room.name)] == id { byKey.removeValue(forKey: Names.key(room.name)) }
            room.name = e.name
            byKey[Names.key(e.name)] = id
        case .topicChanged(let e): room.topic = e.topic
        case .roomDeleted:
            room.deleted = true
            room.archived = true
            room.autoJoin = false
            room.invited = [:]
            byID[id] = room
            for user in room.members { leave(user, id, at: event.position) }
            return
        case .roomArchived(let e): room.archived = e.archived
        case .roomSettingsChanged(let e):
            let becameAutoJoin = e.autoJoin && !room.autoJoin
            room.visibility = e.visibility
            room.passwordHash = e.passwordHash
            room.nonLeavable = e.nonLeavable
            room.autoJoin = e.autoJoin
            byID[id] = room
            if becameAutoJoin {
                for user in accounts.byID.keys where !room.banned.contains(user) { join(user, id, at: event.position) }
            }
            return
        case .memberJoined(let e):
            byID[id] = room
            join(e.user, id, at: event.position)
            return
        case .memberLeft(let e):
            byID[id] = room
            leave(e.user, id, at: event.position)
            return
        case .memberInvited(let e): room.invited[e.user] = Invitation(by: event.actor, position: event.position)
        case .invitationDeclined(let e): room.invited.removeValue(forKey: e.user)
        case .memberKicked(let e):
            byID[id] = room
            leave(e.user, id, at: event.position)
            return
        case .memberBanned(let e):
            room.banned.insert(e.user)
            room.invited.removeValue(forKey: e.user)
            byID[id] = room
            leave(e.user, id, at: event.position)
            return
        case .memberUnbanned(let e): room.banned.remove(e.user)
        case .memberMuted(let e): room.muted[e.user] = e.until
        case .memberUnmuted(let e): room.muted.removeValue(forKey: e.user)
        case .roleChanged(let e):
            if e.role == .member { room.roles.removeValue(forKey: e.user) } else { room.roles[e.user] = e.role }
        default: return
        }
        byID[id] = room
    }

    private mutating func join(_ user: UserID, _ room: RoomID, at position: UInt64) {
        byID[room]?.join(user, at: position)
        roomsOf[user, default: []].insert(room)
    }

    private mutating func leave(_ user: UserID, _ room: RoomID, at position: UInt64) {
        byID[room]?.leave(user, at: position)
        roomsOf[user]?.remove(room)
    }
}
