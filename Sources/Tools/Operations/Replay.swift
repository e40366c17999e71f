public import EventStore
public import Foundation
public import Projections

/// The views as they stood at a past moment, folded from the log up to it.
public struct Replay: Sendable {
    public let position: UInt64
    public let time: Date?
    public let state: ChatState
    let store: any EventLogReader

    /// Folds every event up to `position` (inclusive).
    public init(_ store: any EventLogReader, through position: UInt64, progress: ((Double) -> Void)? = nil) throws {
        var state = ChatState()
        state.beginReplay()
        var time: Date?
        let head = try store.currentHead().position
        let end = min(position, head)
        if end > 0 {
            try store.scan(from: 1, through: end) { record in
                state.apply(try Exports.decode(record))
                time = record.timestamp.date
                if record.position % 65_536 == 0 { progress?(Double(record.position) / Double(end)) }
                return true
            }
        }
        state.finishReplay()
        self.store = store
        self.position = end
        self.time = time
        self.state = state
    }

    /// The last position at or before `date`.
    public static func position(atOrBefore date: Date, in store: any EventLogReader) throws -> UInt64 {
        let next = try store.position(atOrAfter: Timestamp(microseconds: Timestamp(date).microseconds + 1))
        return try (next ?? (store.currentHead().position + 1)) - 1
    }

    public struct Member: Codable, Sendable {
        public var user: String
        public var username: String
        public var role: String
        public var mutedUntil: String?
    }

    public struct Message: Codable, Sendable {
        public var position: UInt64
        public var time: String
        public var author: String
        public var text: String?
        public var edited: Bool
        public var deleted: Bool
    }

    public struct RoomReport: Codable, Sendable {
        public var position: UInt64
        public var time: String?
        public var room: String
        public var name: String
        public var topic: String
        public var visibility: String
        public var passwordProtected: Bool
        public var nonLeavable: Bool
        public var autoJoin: Bool
        public var archived: Bool
        /// Who could read the room at that moment.
        public var members: [Member]
        public var banned: [String]
        public var invited: [String]
        public var lastMessages: [Message]
    }

    public struct UserReport: Codable, Sendable {
        public var position: UInt64
        public var time: String?
        public var user: String
        public var username: String
        public var displayName: String
        public var email: String
        public var department: String
        public var disabled: Bool
        public var groups: [String]
        public var permissions: [String]
        public var rooms: [String]
        public var sessions: Int
    }

    public struct ServerReport: Codable, Sendable {
        public var position: UInt64
        public var time: String?
        public var serverName: String
        public var users: Int
        public var rooms: Int
        public var registrationOpen: Bool
        public var groups: [String: [String]]
    }

    func timeText(_ timeZone: TimeZone) -> String? { time.map { ISO8601.format($0, timeZone: timeZone) } }

    /// A room (by id or name) as it was; `messages` of its last messages, with edits and deletions
    /// as they stood then.
    public func room(_ idOrName: String, messages: Int = 10, timeZone: TimeZone = .current) throws -> RoomReport {
        let id = state.rooms[RoomID(idOrName)] != nil ? RoomID(idOrName) : state.rooms.byKey[Names.key(idOrName)]
        guard let id, let room = state.rooms[id] else { throw OperationError.refused("no room \(idOrName) at position \(position)") }
        let now = time.map { Timestamp($0).microseconds } ?? 0
        func name(_ user: UserID) -> String { state.accounts[user]?.username ?? user.rawValue }
        let members = room.members.sorted { name($0) < name($1) }.map { user in
            Member(user: user.rawValue, username: name(user), role: "\(room.role(of: user))",
                   mutedUntil: room.muted[user].flatMap { $0 > now ? ISO8601.format(Date(timeIntervalSince1970: Double($0) / 1e6), timeZone: timeZone) : nil })
        }
        var recent: [Message] = []
        if let timeline = state.timelines[id], messages > 0 {
            for position in timeline.messagePositions.suffix(messages) {
                guard let record = try store.record(at: position), case .messagePosted(let posted) = try Exports.decode(record).event
                else { continue }
                let revision = timeline.revisions[position]
                recent.append(Message(
                    position: position, time: ISO8601.format(record.timestamp.date, timeZone: timeZone),
                    author: name(UserID(record.actor)), text: revision.map { $0.text } ?? posted.text,
                    edited: revision?.edited ?? false, deleted: revision?.deleted ?? false))
            }
        }
        return RoomReport(
            position: position, time: timeText(timeZone), room: id.rawValue, name: room.name, topic: room.topic,
            visibility: "\(room.visibility)", passwordProtected: room.passwordHash != nil, nonLeavable: room.nonLeavable,
            autoJoin: room.autoJoin, archived: room.archived, members: members, banned: room.banned.map(name).sorted(),
            invited: room.invited.keys.map(name).sorted(), lastMessages: recent)
    }

    /// A person (by id or user name) as they were.
    public func user(_ idOrName: String, timeZone: TimeZone = .current) throws -> UserReport {
        guard let account = state.accounts[UserID(idOrName)] ?? state.accounts.user(named: idOrName) else {
            throw OperationError.refused("no user \(idOrName) at position \(position)")
        }
        let rooms = (state.rooms.roomsOf[account.id] ?? []).compactMap { state.rooms[$0] }
            .map { $0.visibility == .direct ? "direct:" + $0.id.rawValue : $0.name }.sorted()
        return UserReport(
            position: position, time: timeText(timeZone), user: account.id.rawValue, username: account.username,
            displayName: account.profile.displayName, email: account.profile.email, department: account.profile.department,
            disabled: account.disabled, groups: account.groups.map(\.rawValue), permissions: state.permissions(of: account.id).names,
            rooms: rooms, sessions: account.sessions.count)
    }

    public func server(timeZone: TimeZone = .current) -> ServerReport {
        ServerReport(
            position: position, time: timeText(timeZone), serverName: state.server.settings.serverName,
            users: state.accounts.byID.count, rooms: state.rooms.byID.values.count { $0.visibility != .direct },
            registrationOpen: state.server.settings.registrationOpen,
            groups: Dictionary(uniqueKeysWithValues: state.groups.byID.values.map { ($0.id.rawValue, $0.permissions.names) }))
    }
}
