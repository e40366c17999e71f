/// How far each user has read each conversation, and where they were mentioned.
public struct ReadStateView: Hashable, Sendable {
    /// User → room → position of the last message read.
    public var cursors: [UserID: [RoomID: UInt64]] = [:]
    /// User → room → positions of the messages that mention them.
    public var mentions: [UserID: [RoomID: [UInt64]]] = [:]

    public init() {}

    public func cursor(_ user: UserID, _ room: RoomID) -> UInt64 {
        cursors[user]?[room] ?? 0
    }

    /// Mentions of `user` in `room` after what they have read, counting only those at or after
    /// position `from` (the retention horizon; 1 counts them all).
    public func mentionCount(_ user: UserID, _ room: RoomID, from: UInt64 = 1) -> Int {
        guard let list = mentions[user]?[room] else { return 0 }
        return list.count - list.upperBound(of: max(cursor(user, room) + 1, from) - 1)
    }

    /// Folds an event; `rooms` tells who may be mentioned (members only).
    public mutating func apply(_ event: StoredEvent, rooms: RoomsView) {
        switch event.event {
        case .messagePosted(let e):
            guard let room = event.room else { return }
            // Posting in a conversation reads it.
            cursors[event.actor, default: [:]][room] = event.position
            for user in e.mentions where user != event.actor && rooms.isMember(user, of: room) {
                mentions[user, default: [:]][room, default: []].append(event.position)
            }
        case .messageEdited(let e):
            guard let room = event.room else { return }
            // A mention added by an edit counts where the message is.
            for user in e.mentions where user != event.actor && rooms.isMember(user, of: room) {
                var list = mentions[user]?[room] ?? []
                if !list.contains(e.message) {
                    list.insert(e.message, at: list.lowerBound(of: e.message))
                    mentions[user, default: [:]][room] = list
                }
            }
        case .messageDeleted(let e):
            // A withdrawn message no longer calls anyone.
            guard let room = event.room, let members = rooms[room]?.members else { return }
            for user in members {
                guard var list = mentions[user]?[room], let index = list.firstIndex(of: e.message) else { continue }
                list.remove(at: index)
                mentions[user]?[room] = list
            }
        case .broadcastSent:
            // Sending reads it, as posting in a room does.
            cursors[event.actor, default: [:]][.announcements] = event.position
        case .readMarked(let e):
            guard let user = event.user else { return }
            cursors[user, default: [:]][e.room] = e.position
        default: break
        }
    }
}
