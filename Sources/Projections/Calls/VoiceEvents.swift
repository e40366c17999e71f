/// Group voice in a room (docs/calls.md): who joined and left its voice, and who a moderator
/// muted. Only these are logged; the audio itself never touches the log, and "who is speaking"
/// is ephemeral. Events go to the room's stream (the actor joined or left, or muted someone).

/// Why someone left a room's voice.
public enum VoiceLeaveReason: UInt8, Sendable, CaseIterable, BinaryCodable {
    /// They left (the button, or joined another room's voice).
    case left = 0
    /// Their connection ended and did not come back in time.
    case disconnected = 1
    /// They lost the `voice` right or their place in the room: the server took them out.
    case removed = 2
    /// A moderator took them out.
    case kicked = 3

    public var name: String {
        switch self {
        case .left: "left"
        case .disconnected: "disconnected"
        case .removed: "removed"
        case .kicked: "kicked"
        }
    }

    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        guard let reason = VoiceLeaveReason(rawValue: try reader.read()) else { throw BinaryReader.Malformed(offset: -1) }
        self = reason
    }
}

/// The actor joined the room's voice.
public struct VoiceJoined: EventPayload {
    public static let tag: UInt16 = 140
    public var room: RoomID
    public init(room: RoomID) { self.room = room }
    public func encode(to w: inout BinaryWriter) { w.write(room) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { room = try r.read() }
}

/// `user` left the room's voice (the actor: themselves, the system, or the moderator who kicked them).
public struct VoiceLeft: EventPayload {
    public static let tag: UInt16 = 141
    public var room: RoomID
    public var user: UserID
    public var reason: VoiceLeaveReason
    public init(room: RoomID, user: UserID, reason: VoiceLeaveReason) {
        self.room = room
        self.user = user
        self.reason = reason
    }
    public func encode(to w: inout BinaryWriter) { w.write(room); w.write(user); w.write(reason) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { room = try r.read(); user = try r.read(); reason = try r.read() }
}

/// A moderator muted (or unmuted) `user` in the room's voice. Muting oneself is not logged.
public struct VoiceMuted: EventPayload {
    public static let tag: UInt16 = 142
    public var room: RoomID
    public var user: UserID
    public var muted: Bool
    public init(room: RoomID, user: UserID, muted: Bool) {
        self.room = room
        self.user = user
        self.muted = muted
    }
    public func encode(to w: inout BinaryWriter) { w.write(room); w.write(user); w.write(muted) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { room = try r.read(); user = try r.read(); muted = try r.read() }
}
