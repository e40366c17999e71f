/// Identifiers are opaque strings minted by the gateway (a prefix and random letters), so that
/// `decide` stays pure. Distinct types keep a user id from being passed as a room id.
public protocol Identifier: Hashable, Comparable, Sendable, Codable, BinaryCodable, CustomStringConvertible {
    var rawValue: String { get }
    init(_ rawValue: String)
}

extension Identifier {
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) { self.init(try reader.read() as String) }
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Ids are 1–64 characters of ASCII letters, digits, '-' and '_'.
    public static func isWellFormed(_ raw: String) -> Bool {
        let utf8 = raw.utf8
        return (1...64).contains(utf8.count) && utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }
}

public struct UserID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// The actor of events the server causes by itself (first start, automatic changes).
    public static let system = UserID("system")
}

public struct RoomID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// The general room every user is in.
    public static let main = RoomID("main")
    /// Each user's conversation of administrators' broadcasts (not a room: nobody posts in it,
    /// and each broadcast has its own recipients; see AnnouncementsView).
    public static let announcements = RoomID("announcements")

    /// The direct conversation of two users: one per pair, whatever the order.
    public static func direct(_ a: UserID, _ b: UserID) -> RoomID {
        let (low, high) = a < b ? (a, b) : (b, a)
        return RoomID("dm_\(low.rawValue)_\(high.rawValue)")
    }
}

public struct GroupID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static let administrators = GroupID("administrators")
    public static let users = GroupID("users")
    public static let guests = GroupID("guests")
}

/// A message is identified by the log position of the event that posted it.
public typealias MessageID = UInt64

/// Where each kind of event is stored: one stream per aggregate.
public enum Streams {
    public static let server = "server"
    public static let groups = "groups"
    public static let broadcasts = "broadcasts"
    /// Backups and exports.
    public static let operations = "operations"
    public static func user(_ id: UserID) -> String { "user:\(id.rawValue)" }
    public static func room(_ id: RoomID) -> String { "room:\(id.rawValue)" }
    /// A claim on a normalised user name: its first event wins, so names stay unique.
    public static func username(_ key: String) -> String { "username:\(key)" }
    public static func roomName(_ key: String) -> String { "roomname:\(key)" }
}

extension UserID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension RoomID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension GroupID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
