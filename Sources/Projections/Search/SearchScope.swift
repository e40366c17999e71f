/// Where a user's search may look (docs/search.md, "Who finds what"): one rule for every door.
///
/// A user finds what they could read in history **now**: the rooms and conversations they are a
/// member of today, over the span history shows a member (the whole room, minus what retention
/// hides — the caller applies the horizon). A room they left, were removed from or never joined
/// is not searched, whatever the operators say; a disabled account finds nothing.
/// Names in operators resolve only among what the user may see: `in:` a private room they are
/// not in is refused exactly like a room that does not exist.
public struct SearchScope: Sendable, Hashable {
    /// The rooms to search.
    public var rooms: Set<RoomID>
    public var authors: Set<UserID>?
    public var notAuthors: Set<UserID>

    /// Resolves `query`'s names for `user`; refuses a name that names nothing the user can see.
    public init(_ query: SearchQuery, for user: UserID, in state: borrowing ChatState) throws(Rejection) {
        guard let account = state.accounts[user], !account.disabled else { throw .forbidden("account_disabled") }
        var rooms = (state.rooms.roomsOf[user] ?? []).filter { id in
            guard id != .announcements, let room = state.rooms[id] else { return false }
            return !room.deleted
        }
        if !query.rooms.isEmpty {
            var named = Set<RoomID>()
            for name in query.rooms {
                guard let room = Self.room(named: name, among: rooms, in: state) else { throw .invalid("unknown_room:\(name)") }
                named.insert(room)
            }
            rooms = named
        }
        for name in query.notRooms {
            guard let room = Self.room(named: name, among: rooms, in: state) else { throw .invalid("unknown_room:\(name)") }
            rooms.remove(room)
        }
        if !query.with.isEmpty {
            // Conversations: direct rooms whose members include everyone named.
            var others = Set<UserID>()
            for name in query.with {
                guard let other = Self.user(named: name, me: user, in: state) else { throw .invalid("unknown_user:\(name)") }
                others.insert(other)
            }
            rooms = rooms.filter { id in
                guard let room = state.rooms[id], room.visibility == .direct else { return false }
                return others.isSubset(of: room.members.union(room.history.keys))
            }
        }
        self.rooms = rooms
        if query.from.isEmpty {
            authors = nil
        } else {
            var found = Set<UserID>()
            for name in query.from {
                guard let author = Self.user(named: name, me: user, in: state) else { throw .invalid("unknown_user:\(name)") }
                found.insert(author)
            }
            authors = found
        }
        var excluded = Set<UserID>()
        for name in query.notFrom {
            guard let author = Self.user(named: name, me: user, in: state) else { throw .invalid("unknown_user:\(name)") }
            excluded.insert(author)
        }
        notAuthors = excluded
    }

    /// A username (or `me`), or a user id as clients send them.
    static func user(named name: String, me: UserID, in state: borrowing ChatState) -> UserID? {
        if name.lowercased() == "me" { return me }
        if let account = state.accounts.user(named: name) { return account.id }
        let id = UserID(name)
        return state.accounts[id] != nil ? id : nil
    }

    /// A room by its name (as `#name` is typed, case and accents aside) or id, among `rooms`.
    static func room(named name: String, among rooms: Set<RoomID>, in state: borrowing ChatState) -> RoomID? {
        if let id = state.rooms.byKey[Names.key(name)], rooms.contains(id) { return id }
        let id = RoomID(name)
        return rooms.contains(id) ? id : nil
    }
}
