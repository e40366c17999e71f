/// The bulletin board (tags 130–139, docs/events.md): notices posted by administrators and by
/// members of a group with `postBulletin`, to everyone or to some groups and people, pinned or
/// not, until an expiry, and must-read ones that each recipient acknowledges. Every post, edit,
/// acknowledgement and reminder is an event, so "did Bob read the fire-drill notice before the
/// drill?" is answered by the log. Administrators' broadcasts gain the must-read flag too.

public struct BulletinID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

extension BulletinID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension Streams {
    /// A notice's events: posted, edited, withdrawn, each acknowledgement and reminder.
    public static func bulletin(_ id: BulletinID) -> String { "bulletin:\(id.rawValue)" }
}

extension RoomID {
    /// Each user's bulletin board (not a room): its read cursor is kept with the rooms'.
    public static let bulletin = RoomID("bulletin")
}

/// A file attached to a notice: a copy of the reference to content the author could read (the
/// blob is content-addressed, so nothing is copied), readable by the notice's recipients.
public struct BulletinAttachment: Hashable, Sendable, BinaryCodable {
    public var name: String
    public var blob: BlobRef

    public init(name: String, blob: BlobRef) {
        self.name = name
        self.blob = blob
    }
    public func encode(to w: inout BinaryWriter) { w.write(name); w.write(blob) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { name = try r.read(); blob = try r.read() }
}

/// Who a notice is for, as the author chose: everyone (also those who register later), or these
/// groups and these people; `recipients` is that resolved when posted.
public struct BulletinAudience: Hashable, Sendable, BinaryCodable {
    public var everyone: Bool
    public var groups: [GroupID]
    public var users: [UserID]
    /// The groups' members and the users, when posted (empty when `everyone`).
    public var recipients: [UserID]

    public init(everyone: Bool, groups: [GroupID] = [], users: [UserID] = [], recipients: [UserID] = []) {
        self.everyone = everyone
        self.groups = groups
        self.users = users
        self.recipients = recipients
    }
    public func encode(to w: inout BinaryWriter) { w.write(everyone); w.write(groups); w.write(users); w.write(recipients) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        everyone = try r.read(); groups = try r.read(); users = try r.read(); recipients = try r.read()
    }
}

public struct BulletinPosted: EventPayload {
    public static let tag: UInt16 = 130
    public var bulletin: BulletinID
    public var title: String
    /// The message formatting subset, rendered by clients.
    public var body: String
    public var attachments: [BulletinAttachment]
    public var audience: BulletinAudience
    public var pinned: Bool
    /// Microseconds since the epoch after which it moves to the archive; 0: never.
    public var expiresAt: Int64
    public var mustRead: Bool

    public init(bulletin: BulletinID, title: String, body: String, attachments: [BulletinAttachment] = [], audience: BulletinAudience,
                pinned: Bool = false, expiresAt: Int64 = 0, mustRead: Bool = false) {
        self.bulletin = bulletin
        self.title = title
        self.body = body
        self.attachments = attachments
        self.audience = audience
        self.pinned = pinned
        self.expiresAt = expiresAt
        self.mustRead = mustRead
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(bulletin); w.write(title); w.write(body); w.write(attachments); w.write(audience); w.write(pinned); w.write(expiresAt)
        w.write(mustRead)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        bulletin = try r.read(); title = try r.read(); body = try r.read(); attachments = try r.read(); audience = try r.read()
        pinned = try r.read(); expiresAt = try r.read(); mustRead = try r.read()
    }
}

/// A notice's text, pin or expiry changed by its author or an administrator (its audience and
/// must-read flag stay: acknowledgements were given to what was asked).
public struct BulletinEdited: EventPayload {
    public static let tag: UInt16 = 131
    public var bulletin: BulletinID
    public var title: String
    public var body: String
    public var pinned: Bool
    public var expiresAt: Int64

    public init(bulletin: BulletinID, title: String, body: String, pinned: Bool, expiresAt: Int64) {
        self.bulletin = bulletin
        self.title = title
        self.body = body
        self.pinned = pinned
        self.expiresAt = expiresAt
    }
    public func encode(to w: inout BinaryWriter) { w.write(bulletin); w.write(title); w.write(body); w.write(pinned); w.write(expiresAt) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        bulletin = try r.read(); title = try r.read(); body = try r.read(); pinned = try r.read(); expiresAt = try r.read()
    }
}

/// Taken down by its author or an administrator: it goes to the archive at once and asks no more
/// acknowledgements.
public struct BulletinWithdrawn: EventPayload {
    public static let tag: UInt16 = 132
    public var bulletin: BulletinID

    public init(bulletin: BulletinID) { self.bulletin = bulletin }
    public func encode(to w: inout BinaryWriter) { w.write(bulletin) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { bulletin = try r.read() }
}

/// The actor acknowledged (read) a notice.
public struct BulletinAcknowledged: EventPayload {
    public static let tag: UInt16 = 133
    public var bulletin: BulletinID

    public init(bulletin: BulletinID) { self.bulletin = bulletin }
    public func encode(to w: inout BinaryWriter) { w.write(bulletin) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { bulletin = try r.read() }
}

/// The author or an administrator reminded these recipients, who had not acknowledged.
public struct BulletinReminded: EventPayload {
    public static let tag: UInt16 = 134
    public var bulletin: BulletinID
    public var users: [UserID]

    public init(bulletin: BulletinID, users: [UserID]) {
        self.bulletin = bulletin
        self.users = users
    }
    public func encode(to w: inout BinaryWriter) { w.write(bulletin); w.write(users) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { bulletin = try r.read(); users = try r.read() }
}

/// The actor acknowledged a must-read broadcast (by its position).
public struct BroadcastAcknowledged: EventPayload {
    public static let tag: UInt16 = 135
    public var broadcast: UInt64

    public init(broadcast: UInt64) { self.broadcast = broadcast }
    public func encode(to w: inout BinaryWriter) { w.write(broadcast) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { broadcast = try r.read() }
}

/// The author or an administrator reminded these recipients of a must-read broadcast.
public struct BroadcastReminded: EventPayload {
    public static let tag: UInt16 = 136
    public var broadcast: UInt64
    public var users: [UserID]

    public init(broadcast: UInt64, users: [UserID]) {
        self.broadcast = broadcast
        self.users = users
    }
    public func encode(to w: inout BinaryWriter) { w.write(broadcast); w.write(users) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { broadcast = try r.read(); users = try r.read() }
}

/// Sizes on the bulletin board.
public enum BulletinLimits {
    public static let title = 200
    public static let body = 20_000
    public static let attachments = 20
    public static let users = 10_000
}
