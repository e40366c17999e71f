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
    }

    /// Every broadcast, in log order.
    public private(set) var entries: [Entry] = []

    public init() {}

    public mutating func apply(_ event: StoredEvent) {
        guard case .broadcastSent(let e) = event.event else { return }
        entries.append(Entry(position: event.position, recipients: e.recipients.isEmpty ? nil : Set(e.recipients)))
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
