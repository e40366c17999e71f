/// The bulletin board: every notice, who it is for, who acknowledged it and when.
///
/// Notices are few (an office posts a handful a week), so lists are found by scanning them.
public struct BulletinView: Hashable, Sendable {
    public struct Notice: Hashable, Sendable {
        public var id: BulletinID
        public var author: UserID
        public var title: String
        public var body: String
        public var attachments: [BulletinAttachment]
        public var audience: BulletinAudience
        public var pinned: Bool
        /// Microseconds since the epoch; 0: never.
        public var expiresAt: Int64
        public var mustRead: Bool
        public var withdrawn = false
        public var posted: Int64
        public var edited: Int64 = 0
        /// The position of `bulletin.posted`.
        public var position: UInt64
        /// Who acknowledged it, and when (µs).
        public var acknowledged: [UserID: Int64] = [:]
        /// When reminders were sent (µs), and to how many.
        public var reminders: [Reminder] = []

        /// Whether `user` is among its recipients (not counting its author or administrators).
        public func isFor(_ user: UserID) -> Bool {
            audience.everyone || audience.recipients.contains(user)
        }

        /// On the board (not archived) at `now`.
        public func isActive(at now: Int64) -> Bool { !withdrawn && (expiresAt == 0 || expiresAt > now) }
    }

    public struct Reminder: Hashable, Sendable {
        public var time: Int64
        public var count: Int
    }

    public private(set) var notices: [BulletinID: Notice] = [:]
    /// Ids in the order they were posted.
    public private(set) var order: [BulletinID] = []

    public init() {}

    public subscript(id: BulletinID) -> Notice? { notices[id] }

    public mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .bulletinPosted(let e):
            notices[e.bulletin] = Notice(
                id: e.bulletin, author: event.actor, title: e.title, body: e.body, attachments: e.attachments, audience: e.audience,
                pinned: e.pinned, expiresAt: e.expiresAt, mustRead: e.mustRead, posted: event.timestamp, position: event.position)
            order.append(e.bulletin)
        case .bulletinEdited(let e):
            guard notices[e.bulletin] != nil else { return }
            notices[e.bulletin]!.title = e.title
            notices[e.bulletin]!.body = e.body
            notices[e.bulletin]!.pinned = e.pinned
            notices[e.bulletin]!.expiresAt = e.expiresAt
            notices[e.bulletin]!.edited = event.timestamp
        case .bulletinWithdrawn(let e):
            notices[e.bulletin]?.withdrawn = true
        case .bulletinAcknowledged(let e):
            if notices[e.bulletin]?.acknowledged[event.actor] == nil { notices[e.bulletin]?.acknowledged[event.actor] = event.timestamp }
        case .bulletinReminded(let e):
            notices[e.bulletin]?.reminders.append(Reminder(time: event.timestamp, count: e.users.count))
        default:
            return
        }
    }

    /// The notices `user` may read, newest first: those addressed to them, their own, and all of
    /// them for an administrator.
    public func visible(to user: UserID, administrator: Bool) -> [Notice] {
        order.reversed().compactMap { notices[$0] }.filter { administrator || $0.author == user || $0.isFor(user) }
    }

    /// Must-read notices `user` has yet to acknowledge (withdrawn ones ask nothing more; an author
    /// has read their own).
    public func pending(for user: UserID) -> [Notice] {
        order.compactMap { notices[$0] }.filter {
            $0.mustRead && !$0.withdrawn && $0.isFor(user) && $0.acknowledged[user] == nil && $0.author != user
        }
    }

    /// Notices on the board for `user` posted after `cursor` (a log position): the unread count.
    public func unread(for user: UserID, after cursor: UInt64, now: Int64) -> Int {
        notices.values.count { $0.position > cursor && $0.isActive(at: now) && $0.isFor(user) && $0.author != user }
    }

    /// Every blob a notice names (the collector keeps them).
    public var blobs: Set<String> { Set(notices.values.flatMap { $0.attachments.map(\.blob.sha256) }) }
}
