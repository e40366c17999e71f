import Operations
import EventStore
import Foundation
import Projections
import Wire

/// What a client is shown of the state: its rooms, the people, itself, the server. Shared by the
/// WebSocket welcome and the HTTP API.
enum Snapshots {
    struct Room: Codable, Sendable {
        var room: String
        var name: String
        var topic: String
        var visibility: String
        var hasPassword: Bool
        var nonLeavable: Bool
        var autoJoin: Bool
        var archived: Bool
        var role: String
        /// Whether the user is in the room (directory entries list rooms one may join too).
        var joined: Bool
        var memberCount: Int
        var unread: Int
        var mentions: Int
        var readUpTo: UInt64
        var lastMessageAt: Int64
        @AlwaysEncoded var mutedUntil: Int64?
        /// The two people of a direct conversation (null for rooms).
        @AlwaysEncoded var members: [String]?
    }

    struct User: Codable, Sendable {
        var user: String
        var username: String
        var displayName: String
        var email: String
        var phone: String
        var department: String
        var disabled: Bool
        var bot: Bool
        var presence: String
    }

    struct Me: Codable, Sendable {
        var user: String
        var username: String
        var displayName: String
        var email: String
        var phone: String
        var department: String
        var mustChangePassword: Bool
        var groups: [String]
        var capabilities: [String]
        var quickPhrases: [String]
        @AlwaysEncoded var recoveryQuestion: String?
    }

    struct Server: Codable, Sendable {
        var name: String
        var registrationOpen: Bool
        var maxMessageLength: Int
        var serverPasswordRequired: Bool
        /// Users see no event older than this many days; 0: all history.
        var retentionDays: Int
        var protocolVersion: Int
        var version: String
    }

    /// The user's Announcements conversation in brief (the broadcasts they received).
    struct Announcements: Codable, Sendable {
        var unread: Int
        var readUpTo: UInt64
        /// The latest one's position, null if none.
        @AlwaysEncoded var last: UInt64?
        /// Must-read broadcasts the user has yet to acknowledge (docs/bulletin.md).
        var pending: [UInt64]
    }

    static func announcements(for user: UserID, _ state: borrowing ChatState, at visibility: Visibility) -> Announcements {
        let cursor = state.reads.cursor(user, .announcements)
        return Announcements(
            unread: state.announcements.unread(for: user, after: visibility.floor(cursor), from: visibility.from),
            readUpTo: cursor, last: state.announcements.positions(for: user, from: visibility.from).last,
            pending: state.announcements.pending(for: user, from: visibility.from).map(\.position))
    }

    /// The user's bulletin board in brief: notices unread, and must-read ones not acknowledged.
    struct Bulletin: Codable, Sendable {
        var unread: Int
        var readUpTo: UInt64
        var pending: [String]
    }

    static func bulletin(for user: UserID, _ state: borrowing ChatState, now: Int64) -> Bulletin {
        let cursor = state.reads.cursor(user, .bulletin)
        return Bulletin(unread: state.bulletin.unread(for: user, after: cursor, now: now), readUpTo: cursor,
                        pending: state.bulletin.pending(for: user).map(\.id.rawValue))
    }

    /// A pending invitation to a room one is not in.
    struct Invitation: Codable, Sendable {
        var room: String
        var name: String
        var topic: String
        var visibility: String
        /// Who invited, and the position of the invitation.
        var by: String
        var position: UInt64
    }

    struct Member: Codable, Sendable {
        var user: String
        var role: String
        @AlwaysEncoded var mutedUntil: Int64?
    }

    static let version = "0.1.0"

    static func server(_ state: borrowing ChatState) -> Server {
        Server(name: state.server.settings.serverName, registrationOpen: state.server.settings.registrationOpen,
               maxMessageLength: state.server.settings.maxMessageLength,
               serverPasswordRequired: state.server.serverPasswordHash != nil,
               retentionDays: state.server.settings.retentionDays, protocolVersion: 1, version: version)
    }

    static func me(_ user: UserID, _ state: borrowing ChatState) -> Me? {
        guard let account = state.accounts[user] else { return nil }
        return Me(user: user.rawValue, username: account.username, displayName: account.profile.displayName,
                  email: account.profile.email, phone: account.profile.phone, department: account.profile.department,
                  mustChangePassword: account.mustChangePassword, groups: account.groups.map(\.rawValue),
                  capabilities: state.permissions(of: user).names, quickPhrases: account.quickPhrases,
                  recoveryQuestion: account.recovery?.question)
    }

    static func room(_ id: RoomID, for user: UserID, _ state: borrowing ChatState, at visibility: Visibility) -> Room? {
        guard let room = state.rooms[id] else { return nil }
        let timeline = state.timelines[id]
        let muted = room.muted[user].flatMap { $0 > visibility.now ? $0 / 1000 : nil }
        let joined = room.members.contains(user)
        return Room(
            room: id.rawValue, name: room.name, topic: room.topic, visibility: EventRenderer.visibility(room.visibility),
            hasPassword: room.passwordHash != nil, nonLeavable: room.nonLeavable, autoJoin: room.autoJoin,
            archived: room.archived, role: EventRenderer.role(room.role(of: user)), joined: joined,
            memberCount: room.members.count,
            unread: joined ? state.unreadCount(user, id, from: visibility.from) : 0,
            mentions: joined ? state.reads.mentionCount(user, id, from: visibility.from) : 0,
            readUpTo: state.reads.cursor(user, id), lastMessageAt: (timeline?.lastMessageAt ?? 0) / 1000,
            mutedUntil: muted, members: room.visibility == .direct ? room.members.map(\.rawValue).sorted() : nil)
    }

    /// The user's pending invitations, oldest first.
    static func invitations(for user: UserID, _ state: borrowing ChatState) -> [Invitation] {
        state.rooms.byID.values.compactMap { room -> Invitation? in
            guard let invitation = room.invited[user], !room.archived, !room.members.contains(user) else { return nil }
            return Invitation(room: room.id.rawValue, name: room.name, topic: room.topic,
                              visibility: EventRenderer.visibility(room.visibility), by: invitation.by.rawValue,
                              position: invitation.position)
        }.sorted { $0.position < $1.position }
    }

    /// The rooms the user is in.
    static func rooms(for user: UserID, _ state: borrowing ChatState, at visibility: Visibility) -> [Room] {
        (state.rooms.roomsOf[user] ?? []).sorted().compactMap { room($0, for: user, state, at: visibility) }
    }

    /// Public rooms anyone may join (the directory), with whether the user is already in.
    static func directory(for user: UserID, _ state: borrowing ChatState, at visibility: Visibility) -> [Room] {
        state.rooms.byID.values
            .filter { $0.visibility == .public && !$0.archived }
            .sorted { $0.name.lowercased() < $1.name.lowercased() }
            .compactMap { room($0.id, for: user, state, at: visibility) }
    }

    static func users(_ state: borrowing ChatState, presence: [UserID: ConnectionRegistry.Presence]) -> [User] {
        state.accounts.byID.values.sorted { $0.id < $1.id }.map { account in
            User(user: account.id.rawValue, username: account.username, displayName: account.profile.displayName,
                 email: account.profile.email, phone: account.profile.phone, department: account.profile.department,
                 disabled: account.disabled, bot: account.origin == .bot,
                 presence: (presence[account.id] ?? .offline).rawValue)
        }
    }

    static func members(of room: RoomsView.Room, now: Int64) -> [Member] {
        room.members.sorted().map { user in
            Member(user: user.rawValue, role: EventRenderer.role(room.role(of: user)),
                   mutedUntil: room.muted[user].flatMap { $0 > now ? $0 / 1000 : nil })
        }
    }
}

/// A page of a room's history, read from the log with edits and deletions applied.
struct HistoryPage: Sendable {
    /// Event frames (JSON objects), oldest first.
    var items: [[UInt8]]
    var hasMoreBefore: Bool
    var hasMoreAfter: Bool
    /// Nothing more before this page is shown, but older events exist: the retention hides them.
    var hiddenBefore: Bool
}

extension ChatCore {
    enum HistoryRange: Sendable {
        /// The latest events.
        case latest
        /// Events before this position, newest first read, returned oldest first.
        case before(UInt64)
        /// Events after this position.
        case after(UInt64)
        /// Events stamped in [from, to) (µs).
        case between(from: Int64, to: Int64)

        /// The range a client asked for: at most one of `before`, `after` and `from` (with `to`,
        /// which needs `from`); none asks for the latest page.
        init(before: Position?, after: Position?, from: EpochMilliseconds?, to: EpochMilliseconds?) throws(Rejection) {
            let anchors = [before != nil, after != nil, from != nil].count { $0 }
            guard anchors <= 1 else { throw .invalid("conflicting_parameters:before,after,from") }
            if to != nil && from == nil { throw .invalid("missing_field:from") }
            if let before {
                self = .before(before.value)
            } else if let after {
                self = .after(after.value)
            } else if let from {
                self = .between(from: from.microseconds, to: (to ?? .end).microseconds)
            } else {
                self = .latest
            }
        }
    }

    /// A page of the room's events for a member; `notFound` for anyone else. Pages hold
    /// `limit` items (50 if not given), or fewer if the server is configured to serve fewer.
    func history(of room: RoomID, for user: UserID, range: HistoryRange, limit: PageSize?) async throws(APIError)
        -> HistoryPage
    {
        let limit = max(1, min(limit?.value ?? 50, configuration.limits.historyPage))
        if room == .announcements { return try await announcements(for: user, range: range, limit: limit) }
        let startPosition: UInt64?
        if case .between(let from, _) = range {
            do {
                startPosition = try await store.firstPosition(atOrAfter: Timestamp(microseconds: from))
            } catch {
                throw APIError.unavailable
            }
        } else {
            startPosition = nil
        }
        let visibleFrom = await visibility().from
        // Stream versions: the room's last, the first still visible (retention), where to start.
        let plan = withState { state -> (versions: UInt64, oldest: UInt64, start: UInt64?, backward: Bool)? in
            guard state.rooms[room]?.members.contains(user) == true, state.accounts[user]?.disabled == false,
                  let timeline = state.timelines[room]
            else { return nil }
            let count = UInt64(timeline.eventPositions.count)
            let oldest = timeline.firstVersion(atOrAfter: visibleFrom) ?? count + 1
            switch range {
            case .latest: return (count, oldest, nil, true)
            case .before(let position):
                let version = timeline.firstVersion(atOrAfter: position) ?? count + 1
                return (count, oldest, version > 1 ? version - 1 : 0, true)
            case .after(let position):
                return (count, oldest, max(oldest, timeline.firstVersion(atOrAfter: position + 1) ?? count + 1), false)
            case .between:
                let start = startPosition.flatMap { timeline.firstVersion(atOrAfter: $0) } ?? count + 1
                return (count, oldest, max(oldest, start), false)
            }
        }
        guard let plan else { throw APIError.notFound("room") }
        var records: [RecordedEvent] = []
        let backwardFromHidden = plan.backward && (plan.start ?? plan.versions) < plan.oldest
        if plan.start != 0 && (plan.start ?? 1) <= plan.versions && !backwardFromHidden {
            do {
                records = try await store.readStream(
                    Streams.room(room), from: plan.start, direction: plan.backward ? .backward : .forward, limit: limit)
            } catch {
                throw APIError.unavailable
            }
        }
        // A backward page may reach past the retention horizon.
        records = records.filter { $0.streamVersion >= plan.oldest }
        var reachedEnd = false
        if case .between(_, let to) = range {
            let before = records.count
            records = records.filter { $0.timestamp.microseconds < to }
            reachedEnd = records.count < before  // the page ran into `to`: nothing more in the range
        }
        if plan.backward { records.reverse() }
        let revisions = withState { state in state.timelines[room]?.revisions ?? [:] }
        var items: [[UInt8]] = []
        for record in records {
            guard let stored = try? Self.decode(record) else { continue }
            var json = JSONWriter()
            json.beginObject()
            json.field("type", "event")
            json.field("position", stored.position)
            json.field("time", stored.timestamp / 1000)
            json.field("actor", stored.actor.rawValue)
            // A post's revision, or for an edit the revision of the post it edits (a deleted post's
            // edits say nothing of what it said).
            let revision: TimelinesView.Revision? = if case .messageEdited(let e) = stored.event {
                revisions[e.message]
            } else {
                revisions[stored.position]
            }
            guard EventRenderer.body(stored, revision: revision, into: &json) else { continue }
            if case .messagePosted = stored.event {
                json.field("edited", revision?.edited ?? false)
                json.field("deleted", revision?.deleted ?? false)
            }
            json.endObject()
            items.append(json.bytes)
        }
        let hasMoreBefore: Bool
        if let first = records.first?.streamVersion {
            hasMoreBefore = first > max(1, plan.oldest)
        } else {
            // An empty page still says whether anything visible lies before where it looked.
            let start = plan.start ?? 0
            hasMoreBefore = !plan.backward && start > max(1, plan.oldest) && plan.versions > 0
        }
        let last = records.last?.streamVersion ?? 0
        return HistoryPage(
            items: items, hasMoreBefore: hasMoreBefore,
            hasMoreAfter: records.isEmpty || reachedEnd ? false : last < plan.versions,
            hiddenBefore: !hasMoreBefore && plan.oldest > 1)
    }
}

extension ChatCore {
    /// A page of the user's Announcements: the broadcasts they received, oldest first, read one
    /// by one from the log (broadcasts are few; each user's are found in `AnnouncementsView`).
    func announcements(for user: UserID, range: HistoryRange, limit: Int) async throws(APIError) -> HistoryPage {
        var timestamps: (from: UInt64?, to: Int64)?
        if case .between(let from, let to) = range {
            do {
                timestamps = (try await store.firstPosition(atOrAfter: Timestamp(microseconds: from)), to)
            } catch {
                throw APIError.unavailable
            }
        }
        let visibleFrom = await visibility().from
        let all = withState { state in state.accounts[user]?.disabled == false ? state.announcements.positions(for: user, from: visibleFrom) : [] }
        let slice: ArraySlice<UInt64>
        switch range {
        case .latest: slice = all.suffix(limit)
        case .before(let position): slice = all[..<all.lowerBound(of: position)].suffix(limit)
        case .after(let position): slice = all[all.upperBound(of: position)...].prefix(limit)
        case .between:
            let start = timestamps?.from.map { all.lowerBound(of: $0) } ?? all.count
            slice = all[start...].prefix(limit)
        }
        var items: [[UInt8]] = []
        for position in slice {
            let record: RecordedEvent?
            do {
                record = try await store.read(from: position, limit: 1).first
            } catch {
                throw APIError.unavailable
            }
            guard let record, record.position == position, let stored = try? Self.decode(record) else { continue }
            if let to = timestamps?.to, stored.timestamp >= to { break }
            guard let frame = EventRenderer.frame(stored) else { continue }
            items.append(frame)
        }
        let first = slice.startIndex, end = slice.endIndex
        return HistoryPage(items: items, hasMoreBefore: first > all.startIndex, hasMoreAfter: end < all.endIndex,
                           hiddenBefore: first == all.startIndex && visibleFrom > 1 && withState { $0.announcements.entries.first.map { $0.position < visibleFrom } ?? false })
    }
}

