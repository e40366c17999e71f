/// The administrators' broadcasts: each user's "Announcements" conversation (a virtual room,
/// `RoomID.announcements`, whose read cursor lives with the others in `ReadStateView`).
///
/// A broadcast is a message, not a toast: it stays, and whoever was offline finds it when they
/// connect (issue 11). Broadcasts are rare, so each user's list is found by scanning them all.
public struct AnnouncementsView: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var position: UInt64
        /// nil: everyone (also those registered later, as a room's history is theirs too).
        public var recipients: Set<UserID>?
        public var author: UserID = .system
        public var mustRead = false
        /// Who acknowledged a must-read broadcast, and when (µs).
        public var acknowledged: [UserID: Int64] = [:]
        /// When reminders were sent (µs).
        public var reminders: [Int64] = []
    }

    /// Every broadcast, in log order.
    public private(set) var entries: [Entry] = []

    public init() {}

    public mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .broadcastSent(let e):
            entries.append(Entry(position: event.position, recipients: e.recipients.isEmpty ? nil : Set(e.recipients),
                                 author: event.actor, mustRead: e.mustRead))
        case .broadcastAcknowledged(let e):
            guard let index = index(of: e.broadcast), entries[index].acknowledged[event.actor] == nil else { return }
            entries[index].acknowledged[event.actor] = event.timestamp
        case .broadcastReminded(let e):
            guard let index = index(of: e.broadcast) else { return }
            entries[index].reminders.append(event.timestamp)
        default:
            return
        }
    }

    /// Where the broadcast at `position` is in `entries` (they are in log order).
    private func index(of position: UInt64) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].position < position { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].position == position ? low : nil
    }

    public func entry(at position: UInt64) -> Entry? { index(of: position).map { entries[$0] } }

    /// Must-read broadcasts `user` received and has yet to acknowledge.
    public func pending(for user: UserID, from: UInt64 = 1) -> [Entry] {
        entries.filter { $0.mustRead && $0.position >= from && ($0.recipients?.contains(user) ?? true) && $0.acknowledged[user] == nil
            && $0.author != user }
    }

    /// The positions of the broadcasts `user` received, oldest first, none before `from`.
    public func positions(for user: UserID, from: UInt64 = 1) -> [UInt64] {
        entries.filter { $0.position >= from && ($0.recipients?.contains(user) ?? true) }.map(\.position)
    }

    /// How many of them are after `cursor`.
    public func unread(for user: UserID, after cursor: UInt64, from: UInt64 = 1) -> Int {
        entries.count { $0.position > cursor && $0.position >= from && ($0.recipients?.contains(user) ?? true) }
    }
}
