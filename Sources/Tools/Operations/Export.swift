public import EventStore
public import Foundation
public import Projections

/// Compliance exports: every message, edit, deletion and membership change in a date range, with
/// authors and room names as they were at that moment, streamed with memory independent of the
/// range (docs/operations.md).
public enum Exports {
    public enum Format: String, Codable, Sendable, CaseIterable {
        case jsonl, csv, html
    }

    public struct Request: Sendable {
        public var from: Date
        public var to: Date
        public var rooms: [RoomID]
        public var users: [UserID]
        public var format: Format
        public var timeZone: TimeZone

        public init(from: Date, to: Date, rooms: [RoomID] = [], users: [UserID] = [], format: Format,
                    timeZone: TimeZone = .current) {
            self.from = from
            self.to = to
            self.rooms = rooms
            self.users = users
            self.format = format
            self.timeZone = timeZone
        }
    }

    /// Writes the export to `sink` and returns its manifest (with the SHA-256 of what was written).
    /// `onFile` hears the SHA-256 of each file content a written row names (for `--with-files`).
    public static func run(_ store: any EventLogReader, _ request: Request, into sink: @escaping (UnsafeRawBufferPointer) throws -> Void,
                           progress: ((Double) -> Void)? = nil, onFile: ((String) -> Void)? = nil) throws -> ExportManifest {
        guard request.from < request.to else { throw OperationError.refused("the range is empty: --from must be before --to") }
        let head = try store.currentHead()
        let start = try store.position(atOrAfter: Timestamp(request.from)) ?? head.position + 1
        let end = min(head.position, (try store.position(atOrAfter: Timestamp(request.to)) ?? head.position + 1) - 1)
        var names = NameBook()
        // Names and rooms as they stood when the range begins.
        if start > 1 {
            try store.scan(from: 1, through: start - 1, types: NameBook.tags) { record in
                names.apply(try decode(record))
                return true
            }
        }
        var hashing = HashingSink(sink)
        var writer: any ExportWriter = switch request.format {
        case .jsonl: JSONLinesWriter(timeZone: request.timeZone)
        case .csv: CSVWriter(timeZone: request.timeZone)
        case .html: try HTMLWriter(timeZone: request.timeZone, request: request)
        }
        do {
            try writer.begin(&hashing)
            let written = try rows(store, from: start, through: end, request, &names, &writer, &hashing, progress, onFile)
            try writer.end(&hashing, names: names)
            let anchor = try Anchor.make(store, head: head)
            return ExportManifest(
                format: request.format.rawValue, from: ISO8601.format(request.from, timeZone: request.timeZone),
                to: ISO8601.format(request.to, timeZone: request.timeZone), timeZone: request.timeZone.identifier,
                rooms: request.rooms.map(\.rawValue), users: request.users.map(\.rawValue), count: written.count,
                firstPosition: written.first, lastPosition: written.last, head: head, anchor: anchor,
                sha256: hashing.finalize(), bytes: hashing.bytes, created: ISO8601.now())
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Writes the rows of `start...end` that the request keeps; returns their count and positions.
    private static func rows(_ store: any EventLogReader, from start: UInt64, through end: UInt64, _ request: Request,
                             _ names: inout NameBook, _ writer: inout any ExportWriter, _ hashing: inout HashingSink,
                             _ progress: ((Double) -> Void)?, _ onFile: ((String) -> Void)?) throws -> (count: UInt64, first: UInt64?, last: UInt64?) {
        let filter = Filter(rooms: Set(request.rooms), users: Set(request.users))
        var count: UInt64 = 0
        var first: UInt64?
        var last: UInt64?
        if start <= end {
            try store.scan(from: start, through: end) { record in
                let stored = try decode(record)
                let found = names.rows(for: stored)
                names.apply(stored)
                for row in found where filter.accepts(row, names) {
                    try writer.write(row, &hashing)
                    if let sha = row.file?.sha256, !sha.isEmpty { onFile?(sha) }
                    count += 1
                    if first == nil { first = row.position }
                    last = row.position
                }
                if record.position % 4096 == 0 { progress?(Double(record.position - start) / Double(max(1, end - start + 1))) }
                return true
            }
        }
        return (count, first, last)
    }

    static func decode(_ record: RecordedEvent) throws -> StoredEvent {
        do {
            return try StoredEvent(record)
        } catch {
            throw OperationError.corrupt(
                "position \(record.position): event type \(record.type) version \(record.schemaVersion) (\(error.kind.rawValue)) is not one this build reads")
        }
    }

    /// Which rows the request keeps.
    struct Filter {
        let rooms: Set<RoomID>
        let users: Set<UserID>

        func accepts(_ row: ExportRow, _ names: NameBook) -> Bool {
            if !rooms.isEmpty, !(row.room.map(rooms.contains) ?? false) { return false }
            if users.isEmpty { return true }
            if users.contains(row.actor) { return true }
            if let subject = row.subject, users.contains(subject) { return true }
            // A person's direct conversations are theirs, whoever wrote.
            if let room = row.room, let members = names.rooms[room]?.directMembers, !users.isDisjoint(with: members) { return true }
            return false
        }
    }
}

/// What an export states about itself, written beside it (`FILE.manifest.json`): enough for a
/// compliance officer to prove later that the file came from this log.
public struct ExportManifest: Codable, Sendable {
    public var format: String
    public var from: String
    public var to: String
    public var timeZone: String
    public var rooms: [String]
    public var users: [String]
    public var count: UInt64
    public var firstPosition: UInt64?
    public var lastPosition: UInt64?
    /// The log's head when the export was made.
    public var head: Head
    public var anchor: Anchor
    /// SHA-256 of the export file.
    public var sha256: String
    public var bytes: UInt64
    public var created: String
}

/// One exported fact, with names resolved as they were.
struct ExportRow {
    var position: UInt64
    /// Microseconds since 1970.
    var timestamp: Int64
    var time: Date { Date(timeIntervalSince1970: Double(timestamp) / 1_000_000) }
    var kind: String
    var room: RoomID?
    var roomName: String
    var actor: UserID
    /// The user name, and the display name as it was at that moment.
    var actorName: String
    var actorDisplayName: String
    var subject: UserID?
    var subjectName: String?
    var subjectDisplayName: String?
    var message: UInt64?
    var replyTo: UInt64?
    var text: String?
    /// A file transfer: the file, its name (path in a shared folder), size and content hash.
    var file: ExportFile?
}

struct ExportFile {
    var id: String
    var name: String
    var size: UInt64
    var sha256: String
    var mediaType: String
}

/// User and room names through time (memory in the number of users and rooms, not events).
struct NameBook {
    struct Room {
        var name: String
        var directMembers: [UserID]?
    }

    var users: [UserID: (username: String, displayName: String)] = [:]
    var rooms: [RoomID: Room] = [:]
    var boards: [BoardID: String] = [:]
    var stages: [StageID: String] = [:]
    var cards: [CardID: String] = [:]
    var notices: [BulletinID: String] = [:]

    /// The events that name people, rooms, boards, their stages and cards.
    static let tags: Set<UInt16> = [UserRegistered.tag, ProfileChanged.tag, RoomCreated.tag, RoomRenamed.tag, BoardCreated.tag,
                                    BoardChanged.tag, StageAdded.tag, StageChanged.tag, CardCreated.tag, CardChanged.tag,
                                    BulletinPosted.tag, BulletinEdited.tag]

    static func concerns(_ tag: UInt16) -> Bool { tags.contains(tag) }

    mutating func apply(_ stored: StoredEvent) {
        switch stored.event {
        case .userRegistered(let e): users[e.user] = (e.username, e.displayName)
        case .profileChanged(let e):
            if let user = stored.user, let current = users[user] { users[user] = (current.username, e.profile.displayName) }
        case .roomCreated(let e):
            rooms[e.room] = Room(name: e.name, directMembers: e.visibility == .direct ? e.members : nil)
        case .roomRenamed(let e):
            if let room = stored.room { rooms[room, default: Room(name: "")].name = e.name }
        case .boardCreated(let e):
            boards[e.board] = e.settings.title
            for stage in e.stages { stages[stage.id] = stage.name }
        case .boardChanged(let e): boards[e.board] = e.settings.title
        case .stageAdded(let e): stages[e.stage.id] = e.stage.name
        case .stageChanged(let e): stages[e.stage.id] = e.stage.name
        case .cardCreated(let e): cards[e.card] = e.fields.title ?? ""
        case .cardChanged(let e): if let title = e.fields.title { cards[e.card] = title }
        case .bulletinPosted(let e): notices[e.bulletin] = e.title
        case .bulletinEdited(let e): notices[e.bulletin] = e.title
        default: break
        }
    }

    func userName(_ user: UserID) -> String { users[user]?.username ?? user.rawValue }

    /// The display name then (the user name if it was empty).
    func displayName(_ user: UserID) -> String {
        guard let names = users[user] else { return user.rawValue }
        return names.displayName.isEmpty ? names.username : names.displayName
    }

    func boardTitle(_ board: BoardID) -> String { boards[board] ?? board.rawValue }

    func noticeTitle(_ notice: BulletinID) -> String { notices[notice] ?? notice.rawValue }

    func roomName(_ room: RoomID) -> String {
        guard let found = rooms[room] else { return room.rawValue }
        if let members = found.directMembers { return "Direct: " + members.map(userName).joined(separator: " & ") }
        return found.name
    }

    /// The rows of an event: one, or one per file of a shared folder, or none.
    func rows(for stored: StoredEvent) -> [ExportRow] {
        guard case .folderShared(let e) = stored.event else { return row(for: stored).map { [$0] } ?? [] }
        guard var row = row(for: stored) else { return [] }
        return e.entries.map { entry in
            row.file = ExportFile(id: entry.file.rawValue, name: "\(e.path)/\(entry.path)", size: entry.blob.size,
                                  sha256: entry.blob.sha256, mediaType: entry.blob.mediaType)
            return row
        }
    }

    /// Where a file event happened, for its row: the room, or the area's name.
    private func place(_ area: FileArea, _ row: inout ExportRow) {
        switch area {
        case .room(let room):
            row.room = room
            row.roomName = roomName(room)
        case .personal(let owner):
            row.room = nil
            row.roomName = "Personal files of \(userName(owner))"
        case .public:
            row.room = nil
            row.roomName = "Public files"
        case .board(let board):
            row.room = nil
            row.roomName = "Board \(boardTitle(board))"
        }
    }

    /// The row for an event an export shows, nil for the others. Names are those before the event.
    func row(for stored: StoredEvent) -> ExportRow? {
        var row = ExportRow(
            position: stored.position, timestamp: stored.timestamp, kind: "",
            room: stored.room, roomName: stored.room.map(roomName) ?? "", actor: stored.actor,
            actorName: stored.actor == .system ? "system" : userName(stored.actor),
            actorDisplayName: stored.actor == .system ? "system" : displayName(stored.actor))
        func subject(_ user: UserID) {
            row.subject = user
            row.subjectName = userName(user)
            row.subjectDisplayName = displayName(user)
        }
        switch stored.event {
        case .messagePosted(let e):
            row.kind = "message.posted"
            row.message = stored.position
            row.replyTo = e.replyTo
            row.text = e.text
        case .messageEdited(let e):
            row.kind = "message.edited"
            row.message = e.message
            row.text = e.text
        case .messageDeleted(let e):
            row.kind = "message.deleted"
            row.message = e.message
        case .broadcastSent(let e):
            // An administrator's broadcast: a message in each recipient's Announcements.
            row.kind = "broadcast"
            row.room = .announcements
            row.roomName = "Announcements"
            row.message = stored.position
            row.text = e.text
        case .roomCreated(let e):
            row.kind = "room.created"
            row.room = e.room
            row.roomName = e.visibility == .direct
                ? "Direct: " + e.members.map(userName).joined(separator: " & ") : e.name
            row.text = e.topic.isEmpty ? nil : e.topic
        case .roomRenamed(let e):
            row.kind = "room.renamed"
            row.text = e.name
        case .topicChanged(let e):
            row.kind = "room.topic"
            row.text = e.topic
        case .roomArchived(let e): row.kind = e.archived ? "room.archived" : "room.unarchived"
        case .memberJoined(let e):
            row.kind = "member.joined"
            subject(e.user)
        case .memberLeft(let e):
            row.kind = "member.left"
            subject(e.user)
        case .memberInvited(let e):
            row.kind = "member.invited"
            subject(e.user)
        case .invitationDeclined(let e):
            row.kind = "member.declined"
            subject(e.user)
        case .memberKicked(let e):
            row.kind = "member.kicked"
            subject(e.user)
            row.text = e.reason.isEmpty ? nil : e.reason
        case .memberBanned(let e):
            row.kind = "member.banned"
            subject(e.user)
            row.text = e.reason.isEmpty ? nil : e.reason
        case .memberUnbanned(let e):
            row.kind = "member.unbanned"
            subject(e.user)
        case .memberMuted(let e):
            row.kind = "member.muted"
            subject(e.user)
            row.text = "until " + ISO8601.format(Date(timeIntervalSince1970: Double(e.until) / 1_000_000),
                                                 timeZone: TimeZone(identifier: "UTC")!)
        case .memberUnmuted(let e):
            row.kind = "member.unmuted"
            subject(e.user)
        case .roleChanged(let e):
            row.kind = "member.role"
            subject(e.user)
            row.text = "\(e.role)"
        case .fileUploaded(let e):
            row.kind = "file.uploaded"
            place(e.area, &row)
            row.file = ExportFile(id: e.file.rawValue, name: e.folder.isEmpty ? e.name : "\(e.folder)/\(e.name)", size: e.blob.size,
                                  sha256: e.blob.sha256, mediaType: e.blob.mediaType)
        case .folderShared(let e):
            row.kind = "folder.shared"
            place(e.area, &row)
            row.text = e.path
        case .fileRenamed(let e):
            row.kind = "file.renamed"
            row.text = e.name
            row.file = ExportFile(id: e.file.rawValue, name: e.name, size: 0, sha256: "", mediaType: "")
        case .fileMoved(let e):
            row.kind = "file.moved"
            row.text = e.folder.isEmpty ? e.name : "\(e.folder)/\(e.name)"
            row.file = ExportFile(id: e.file.rawValue, name: e.name, size: 0, sha256: "", mediaType: "")
        case .fileDeleted(let e):
            row.kind = "file.deleted"
            row.file = ExportFile(id: e.file.rawValue, name: "", size: 0, sha256: "", mediaType: "")
        case .boardActivityAnnounced(let e):
            row.kind = "board.activity"
            row.text = "\(e.boardTitle): \(e.cardTitle) \(e.activity.name) (\(e.stage))"
        default:
            guard boardRow(stored, &row) || bulletinRow(stored, &row) else { return nil }
        }
        return row
    }

    /// A bulletin event's row: the notice in place of a room; who acknowledged what, and when.
    private func bulletinRow(_ stored: StoredEvent, _ row: inout ExportRow) -> Bool {
        row.room = nil
        switch stored.event {
        case .bulletinPosted(let e):
            row.kind = "bulletin.posted"
            row.roomName = "Bulletin: \(e.title)"
            row.text = e.mustRead ? "[must read] \(e.body)" : e.body
        case .bulletinEdited(let e):
            row.kind = "bulletin.edited"
            row.roomName = "Bulletin: \(e.title)"
            row.text = e.body
        case .bulletinWithdrawn(let e):
            row.kind = "bulletin.withdrawn"
            row.roomName = "Bulletin: \(noticeTitle(e.bulletin))"
        case .bulletinAcknowledged(let e):
            row.kind = "bulletin.acknowledged"
            row.roomName = "Bulletin: \(noticeTitle(e.bulletin))"
        case .bulletinReminded(let e):
            row.kind = "bulletin.reminded"
            row.roomName = "Bulletin: \(noticeTitle(e.bulletin))"
            row.text = e.users.map(userName).joined(separator: ", ")
        case .broadcastAcknowledged(let e):
            row.kind = "broadcast.acknowledged"
            row.room = .announcements
            row.roomName = "Announcements"
            row.message = e.broadcast
        case .broadcastReminded(let e):
            row.kind = "broadcast.reminded"
            row.room = .announcements
            row.roomName = "Announcements"
            row.message = e.broadcast
            row.text = e.users.map(userName).joined(separator: ", ")
        default:
            return false
        }
        return true
    }

    /// A Kanban event's row: the board in place of a room, the card and what happened to it.
    private func boardRow(_ stored: StoredEvent, _ row: inout ExportRow) -> Bool {
        guard let board = BoardEvents.board(of: stored.event) else { return false }
        row.room = nil
        row.roomName = "Board \(boardTitle(board))"
        let card = BoardEvents.card(of: stored.event).map { cards[$0] ?? $0.rawValue }
        func stage(_ id: StageID) -> String { stages[id] ?? id.rawValue }
        switch stored.event {
        case .boardCreated(let e):
            row.kind = "board.created"
            row.text = e.settings.title
        case .boardChanged(let e):
            row.kind = "board.changed"
            row.text = e.settings.title
        case .boardArchived(let e): row.kind = e.archived ? "board.archived" : "board.restored"
        case .boardMemberChanged(let e):
            row.kind = "board.member"
            row.subject = e.user
            row.subjectName = userName(e.user)
            row.subjectDisplayName = displayName(e.user)
            row.text = e.role?.name ?? "removed"
        case .boardLabelsChanged: row.kind = "board.labels"
        case .stageAdded(let e):
            row.kind = "stage.added"
            row.text = e.stage.name
        case .stageChanged(let e):
            row.kind = "stage.changed"
            row.text = e.stage.name
        case .stageDeleted(let e):
            row.kind = "stage.deleted"
            row.text = "\(stage(e.stage)) → \(stage(e.cardsTo))"
        case .laneAdded, .laneChanged, .laneDeleted: row.kind = "lane.changed"
        case .cardCreated(let e):
            row.kind = "card.created"
            row.text = "\(e.fields.title ?? "") (\(stage(e.place.stage)))"
        case .cardChanged(let e):
            row.kind = "card.changed"
            row.text = e.fields.title ?? card
        case .cardMoved(let e):
            row.kind = "card.moved"
            row.text = "\(card ?? ""): \(stage(e.from.stage)) → \(stage(e.place.stage))"
        case .cardArchived(let e):
            row.kind = e.archived ? "card.archived" : "card.restored"
            row.text = card
        case .cardDeleted:
            row.kind = "card.deleted"
            row.text = card
        case .cardCommented(let e):
            row.kind = "card.commented"
            row.text = "\(card ?? ""): \(e.text)"
        case .cardWatched(let e):
            row.kind = e.watching ? "card.watched" : "card.unwatched"
            row.text = card
        case .cardDeadlineReminded:
            row.kind = "card.reminder"
            row.text = card
        default:
            return false
        }
        return true
    }
}

/// Hashes and counts what goes through to the real sink.
struct HashingSink {
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var hasher = SHA256Hasher()
    private var buffer: [UInt8] = []
    private(set) var bytes: UInt64 = 0

    init(_ sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.sink = sink
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ data: [UInt8]) throws {
        bytes += UInt64(data.count)
        if buffer.isEmpty && data.count >= 1 << 16 {
            // Already a block (JSON Lines rows come so): straight through, not copied.
            try data.withUnsafeBytes { raw in
                hasher.update(raw)
                try sink(raw)
            }
            return
        }
        buffer += data
        if buffer.count >= 1 << 16 { try flush() }
    }

    mutating func write(_ text: String) throws { try write(Array(text.utf8)) }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in
            hasher.update(raw)
            try sink(raw)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finalize() -> String {
        try? flush()
        return hasher.finalize()
    }
}

protocol ExportWriter {
    mutating func begin(_ sink: inout HashingSink) throws
    mutating func write(_ row: ExportRow, _ sink: inout HashingSink) throws
    mutating func end(_ sink: inout HashingSink, names: NameBook) throws
    /// The export failed midway: remove anything kept aside.
    mutating func abandon()
}

extension ExportWriter {
    mutating func abandon() {}
}
