/// Rooms, membership and moderation (stream `room:<id>`; name claims in `roomname:<key>`).

public enum RoomVisibility: UInt8, Hashable, Sendable, Codable {
    /// Listed in the directory; anyone may join (with the password, if the room has one).
    case `public` = 0
    /// Joined by invitation only; not listed.
    case `private` = 1
    /// A one-to-one conversation.
    case direct = 2
}

public struct RoomCreated: EventPayload {
    public static let tag: UInt16 = 40
    public var room: RoomID
    public var name: String
    public var topic: String
    public var visibility: RoomVisibility
    /// Set: joining needs this password (hashed).
    public var passwordHash: String?
    /// Members cannot leave (announcements).
    public var nonLeavable: Bool
    /// Every user is a member (new ones too) unless they leave.
    public var autoJoin: Bool
    /// Members from the start (the creator; both people of a direct conversation).
    public var members: [UserID]

    public init(room: RoomID, name: String, topic: String, visibility: RoomVisibility, passwordHash: String?,
                nonLeavable: Bool, autoJoin: Bool, members: [UserID]) {
        self.room = room
        self.name = name
        self.topic = topic
        self.visibility = visibility
        self.passwordHash = passwordHash
        self.nonLeavable = nonLeavable
        self.autoJoin = autoJoin
        self.members = members
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(room); w.write(name); w.write(topic); w.write(visibility.rawValue); w.write(passwordHash)
        w.write(nonLeavable); w.write(autoJoin); w.write(members)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        room = try r.read(); name = try r.read(); topic = try r.read()
        visibility = RoomVisibility(rawValue: try r.read()) ?? .private
        passwordHash = try r.read(); nonLeavable = try r.read(); autoJoin = try r.read(); members = try r.read()
    }
}

/// A room name taken (stream `roomname:<key>`); renames release the old claim by claiming anew.
public struct RoomNameClaimed: EventPayload {
    public static let tag: UInt16 = 39
    public var room: RoomID
    public init(room: RoomID) { self.room = room }
    public func encode(to w: inout BinaryWriter) { w.write(room) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { room = try r.read() }
}

public struct RoomRenamed: EventPayload {
    public static let tag: UInt16 = 41
    public var name: String
    public init(name: String) { self.name = name }
    public func encode(to w: inout BinaryWriter) { w.write(name) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { name = try r.read() }
}

public struct TopicChanged: EventPayload {
    public static let tag: UInt16 = 42
    public var topic: String
    public init(topic: String) { self.topic = topic }
    public func encode(to w: inout BinaryWriter) { w.write(topic) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { topic = try r.read() }
}

public struct RoomArchived: EventPayload {
    public static let tag: UInt16 = 43
    public var archived: Bool
    public init(archived: Bool) { self.archived = archived }
    public func encode(to w: inout BinaryWriter) { w.write(archived) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { archived = try r.read() }
}

/// A room deleted by an administrator: everyone leaves it, nobody can join it again, it is
/// listed nowhere. The log keeps it and its messages (audits, compliance exports); its name
/// stays claimed, as every room name is for good.
public struct RoomDeleted: EventPayload {
    public static let tag: UInt16 = 55
    public var reason: String

    public init(reason: String) { self.reason = reason }
    public func encode(to w: inout BinaryWriter) { w.write(reason) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { reason = try r.read() }
}

public struct RoomSettingsChanged: EventPayload {
    public static let tag: UInt16 = 44
    public var visibility: RoomVisibility
    public var passwordHash: String?
    public var nonLeavable: Bool
    public var autoJoin: Bool

    public init(visibility: RoomVisibility, passwordHash: String?, nonLeavable: Bool, autoJoin: Bool) {
        self.visibility = visibility
        self.passwordHash = passwordHash
        self.nonLeavable = nonLeavable
        self.autoJoin = autoJoin
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(visibility.rawValue); w.write(passwordHash); w.write(nonLeavable); w.write(autoJoin)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        visibility = RoomVisibility(rawValue: try r.read()) ?? .private
        passwordHash = try r.read(); nonLeavable = try r.read(); autoJoin = try r.read()
    }
}

public enum JoinMethod: UInt8, Hashable, Sendable, Codable {
    case byThemselves = 0, byInvitation = 1, addedByOperator = 2
}

public struct MemberJoined: EventPayload {
    public static let tag: UInt16 = 45
    public var user: UserID
    public var method: JoinMethod
    public init(user: UserID, method: JoinMethod) {
        self.user = user
        self.method = method
    }
    public func encode(to w: inout BinaryWriter) { w.write(user); w.write(method.rawValue) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        user = try r.read()
        method = JoinMethod(rawValue: try r.read()) ?? .byThemselves
    }
}

public struct MemberLeft: EventPayload {
    public static let tag: UInt16 = 46
    public var user: UserID
    public init(user: UserID) { self.user = user }
    public func encode(to w: inout BinaryWriter) { w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read() }
}

public struct MemberInvited: EventPayload {
    public static let tag: UInt16 = 47
    public var user: UserID
    public init(user: UserID) { self.user = user }
    public func encode(to w: inout BinaryWriter) { w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read() }
}

public struct MemberKicked: EventPayload {
    public static let tag: UInt16 = 48
    public var user: UserID
    public var reason: String
    public init(user: UserID, reason: String) {
        self.user = user
        self.reason = reason
    }
    public func encode(to w: inout BinaryWriter) { w.write(user); w.write(reason) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read(); reason = try r.read() }
}

public struct MemberBanned: EventPayload {
    public static let tag: UInt16 = 49
    public var user: UserID
    public var reason: String
    public init(user: UserID, reason: String) {
        self.user = user
        self.reason = reason
    }
    public func encode(to w: inout BinaryWriter) { w.write(user); w.write(reason) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read(); reason = try r.read() }
}

public struct MemberUnbanned: EventPayload {
    public static let tag: UInt16 = 50
    public var user: UserID
    public init(user: UserID) { self.user = user }
    public func encode(to w: inout BinaryWriter) { w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read() }
}

public struct MemberMuted: EventPayload {
    public static let tag: UInt16 = 51
    public var user: UserID
    /// Microseconds since the epoch.
    public var until: Int64
    public init(user: UserID, until: Int64) {
        self.user = user
        self.until = until
    }
    public func encode(to w: inout BinaryWriter) { w.write(user); w.write(until) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read(); until = try r.read() }
}

public struct MemberUnmuted: EventPayload {
    public static let tag: UInt16 = 52
    public var user: UserID
    public init(user: UserID) { self.user = user }
    public func encode(to w: inout BinaryWriter) { w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read() }
}

/// The person invited turned the invitation down (it disappears from their other devices).
public struct InvitationDeclined: EventPayload {
    public static let tag: UInt16 = 54
    public var user: UserID
    public init(user: UserID) { self.user = user }
    public func encode(to w: inout BinaryWriter) { w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read() }
}

public enum RoomRole: UInt8, Hashable, Sendable, Codable, Comparable {
    case member = 0, `operator` = 1, owner = 2
    public static func < (lhs: RoomRole, rhs: RoomRole) -> Bool { lhs.rawValue < rhs.rawValue }
}

public struct RoleChanged: EventPayload {
    public static let tag: UInt16 = 53
    public var user: UserID
    public var role: RoomRole
    public init(user: UserID, role: RoomRole) {
        self.user = user
        self.role = role
    }
    public func encode(to w: inout BinaryWriter) { w.write(user); w.write(role.rawValue) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        user = try r.read()
        role = RoomRole(rawValue: try r.read()) ?? .member
    }
}
