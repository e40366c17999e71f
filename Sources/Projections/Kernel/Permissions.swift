/// What a rights group allows. A user may do what any of their groups allows.
public struct Permissions: OptionSet, Hashable, Sendable, BinaryCodable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sendMessages = Permissions(rawValue: 1 << 0)
    public static let postToRooms = Permissions(rawValue: 1 << 1)
    public static let directMessages = Permissions(rawValue: 1 << 2)
    public static let createRooms = Permissions(rawValue: 1 << 3)
    public static let useEmoticons = Permissions(rawValue: 1 << 4)
    public static let sendFiles = Permissions(rawValue: 1 << 5)
    public static let voice = Permissions(rawValue: 1 << 6)
    public static let video = Permissions(rawValue: 1 << 7)
    public static let kanban = Permissions(rawValue: 1 << 8)
    public static let postBulletin = Permissions(rawValue: 1 << 9)
    public static let moderate = Permissions(rawValue: 1 << 10)
    public static let administer = Permissions(rawValue: 1 << 11)
    /// Writing to the public file area (everyone reads it). Administrators may without it.
    public static let publicFiles = Permissions(rawValue: 1 << 12)

    /// Stable names, used by the protocol, the HTTP API and the admin page.
    public static let names: [(String, Permissions)] = [
        ("sendMessages", .sendMessages), ("postToRooms", .postToRooms), ("directMessages", .directMessages),
        ("createRooms", .createRooms), ("useEmoticons", .useEmoticons), ("sendFiles", .sendFiles),
        ("voice", .voice), ("video", .video), ("kanban", .kanban), ("postBulletin", .postBulletin),
        ("moderate", .moderate), ("administer", .administer), ("publicFiles", .publicFiles),
    ]

    public static let all = Permissions(names.map(\.1))
    public static let defaultUser: Permissions = [
        .sendMessages, .postToRooms, .directMessages, .createRooms, .useEmoticons, .sendFiles, .voice, .video, .kanban,
    ]
    public static let defaultGuest: Permissions = [.sendMessages, .postToRooms, .directMessages, .useEmoticons]

    public var names: [String] { Self.names.filter { contains($0.1) }.map(\.0) }

    /// Parses names; nil if one is unknown.
    public init?(names: [String]) {
        var result = Permissions()
        for name in names {
            guard let permission = Self.names.first(where: { $0.0 == name })?.1 else { return nil }
            result.insert(permission)
        }
        self = result
    }

    public func encode(to writer: inout BinaryWriter) { writer.write(UInt64(rawValue)) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        let raw: UInt64 = try reader.read()
        self.init(rawValue: UInt32(truncatingIfNeeded: raw))
    }
}
