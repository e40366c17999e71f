/// Every view of the chat, folded from the log in order. `apply` never fails and does no IO.
public struct ChatState: Hashable, Sendable {
    /// The last position applied.
    public private(set) var position: UInt64 = 0
    public private(set) var server = ServerView()
    public private(set) var groups = GroupsView()
    public private(set) var accounts = AccountsView()
    public private(set) var rooms = RoomsView()
    public private(set) var timelines = TimelinesView()
    public private(set) var reads = ReadStateView()
    public private(set) var statistics = StatisticsView()
    public private(set) var activity = ActivityView()
    public private(set) var announcements = AnnouncementsView()
    public private(set) var invitations = InvitationsView()
    public private(set) var files = FilesView()
    public private(set) var boards = BoardsView()
    public private(set) var bulletin = BulletinView()

    public init() {}

    public mutating func apply(_ event: StoredEvent) {
        // Rooms first see the accounts as they were before a registration (auto-join).
        rooms.apply(event, accounts: accounts)
        accounts.apply(event)
        server.apply(event)
        groups.apply(event)
        timelines.apply(event)
        reads.apply(event, rooms: rooms)
        statistics.apply(event)
        activity.apply(event)
        announcements.apply(event)
        invitations.apply(event)
        files.apply(event)
        boards.apply(event)
        bulletin.apply(event)
        position = event.position
    }

    /// Folding a long history at once (the start, a replay): views that keep orders up to date
    /// event by event lay them out once at the end instead (`finishReplay`).
    public mutating func beginReplay() { boards.beginReplay() }
    public mutating func finishReplay() { boards.finishReplay() }

    /// What a user may do: the union of their groups' permissions (nothing if disabled).
    public func permissions(of user: UserID) -> Permissions {
        guard let account = accounts[user], !account.disabled else { return [] }
        return groups.permissions(of: account.groups)
    }

    public func isAdministrator(_ user: UserID) -> Bool {
        permissions(of: user).contains(.administer)
    }

    /// Unread messages of `user` in `room`, counting only those at or after position `from`
    /// (the retention horizon; 1 counts them all).
    public func unreadCount(_ user: UserID, _ room: RoomID, from: UInt64 = 1) -> Int {
        timelines[room]?.messages(after: max(reads.cursor(user, room) + 1, from) - 1) ?? 0
    }
}
