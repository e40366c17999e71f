/// One-to-one calls (docs/calls.md): rung, answered, ended — in the direct conversation's stream,
/// so the conversation's history shows them. The media goes between the two browsers and never
/// touches the server or the log.

/// Why a call ended.
public enum CallEndReason: UInt8, Sendable, CaseIterable, BinaryCodable {
    /// One of them hung up during the call.
    case hangUp = 0
    /// The one called said no.
    case declined = 1
    /// The caller gave up before an answer.
    case cancelled = 2
    /// No answer in time (`limits.callRingSeconds`).
    case missed = 3
    /// The one called was already in a call.
    case busy = 4
    /// A connection of the call closed and did not come back.
    case disconnected = 5
    /// A right (`voice`, or `video` for a video call) was taken away, or an account disabled.
    case removed = 6

    public var name: String {
        switch self {
        case .hangUp: "hangUp"
        case .declined: "declined"
        case .cancelled: "cancelled"
        case .missed: "missed"
        case .busy: "busy"
        case .disconnected: "disconnected"
        case .removed: "removed"
        }
    }

    /// Ended before anyone answered: the one called missed it.
    public var unanswered: Bool { self == .cancelled || self == .missed || self == .busy }

    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        guard let reason = CallEndReason(rawValue: try reader.read()) else { throw BinaryReader.Malformed(offset: -1) }
        self = reason
    }
}

/// The actor rang `callee` (audio, or with video).
public struct CallStarted: EventPayload {
    public static let tag: UInt16 = 143
    public var call: String
    public var callee: UserID
    public var video: Bool
    public init(call: String, callee: UserID, video: Bool) {
        self.call = call
        self.callee = callee
        self.video = video
    }
    public func encode(to w: inout BinaryWriter) { w.write(call); w.write(callee); w.write(video) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { call = try r.read(); callee = try r.read(); video = try r.read() }
}

/// The one called answered.
public struct CallAnswered: EventPayload {
    public static let tag: UInt16 = 144
    public var call: String
    public init(call: String) { self.call = call }
    public func encode(to w: inout BinaryWriter) { w.write(call) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { call = try r.read() }
}

/// The call ended: who called whom, why it ended, and how long it lasted once answered (0 if it
/// never was) — so that one event answers "did Bob miss Alice's call?". The actor is who ended it
/// (`system` for a timeout, a lost connection or a right removed).
public struct CallEnded: EventPayload {
    public static let tag: UInt16 = 145
    public var call: String
    public var caller: UserID
    public var callee: UserID
    public var video: Bool
    public var reason: CallEndReason
    public var seconds: UInt64
    public init(call: String, caller: UserID, callee: UserID, video: Bool, reason: CallEndReason, seconds: UInt64) {
        self.call = call
        self.caller = caller
        self.callee = callee
        self.video = video
        self.reason = reason
        self.seconds = seconds
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(call); w.write(caller); w.write(callee); w.write(video); w.write(reason); w.write(seconds)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        call = try r.read(); caller = try r.read(); callee = try r.read(); video = try r.read(); reason = try r.read(); seconds = try r.read()
    }
}
