/// Frames a client sends (docs/protocol.md, docs/protocol.schema.json). Every frame but `hello`
/// is a command with an `id` and gets exactly one reply (`ok`, `error` or a data frame) carrying
/// that id. Numbers are `CheckedNumber`s: out-of-range values never reach the server's arithmetic.
public enum ClientFrames {
    public struct Envelope: Decodable, Sendable {
        public var type: String?
        public var id: String?
    }

    public struct Hello: Decodable, Sendable {
        public var `protocol`: ProtocolVersion?
        public var token: String?
        public var lastSeen: Position?
        public var serverPassword: String?
        /// Whether to include everyone in the welcome (clients of large servers may fetch it).
        public var users: Bool?
        public var client: String?
    }

    public struct Post: Decodable, Sendable {
        public var room: String
        public var clientId: String
        public var text: String
        public var replyTo: Position?
    }

    public struct Direct: Decodable, Sendable {
        public var user: String
        public var clientId: String
        public var text: String
    }

    public struct Edit: Decodable, Sendable {
        public var message: Position
        public var text: String
    }

    public struct MessageOnly: Decodable, Sendable {
        public var message: Position
    }

    public struct Read: Decodable, Sendable {
        public var room: String
        public var upTo: Position
    }

    public struct RoomOnly: Decodable, Sendable {
        public var room: String
    }

    /// Mutes or unmutes one's own microphone in the voice one is in.
    public struct VoiceMute: Decodable, Sendable {
        public var muted: Bool
    }

    /// A room operator's action on someone in its voice: mute, unmute, kick.
    public struct VoiceModerate: Decodable, Sendable {
        public var room: String
        public var user: String
        public var action: String
    }

    /// Rings `user` in the direct conversation with them, with video or not.
    public struct Call: Decodable, Sendable {
        public var user: String
        public var video: Bool?
    }

    public struct CallOnly: Decodable, Sendable {
        public var call: String
    }

    /// Signalling for the other party: the client's own JSON text (SDP or an ICE candidate).
    public struct CallSignal: Decodable, Sendable {
        public var call: String
        public var signal: String
    }

    public struct Join: Decodable, Sendable {
        public var room: String
        public var password: String?
    }

    public struct Invite: Decodable, Sendable {
        public var room: String
        public var user: String
    }

    public struct CreateRoom: Decodable, Sendable {
        public var name: String
        public var topic: String?
        public var visibility: String?
        public var password: String?
        public var nonLeavable: Bool?
        public var autoJoin: Bool?
    }

    public struct Topic: Decodable, Sendable {
        public var room: String
        public var topic: String
    }

    public struct Rename: Decodable, Sendable {
        public var room: String
        public var name: String
    }

    public struct Moderate: Decodable, Sendable {
        public var room: String
        public var user: String
        /// kick, ban, unban, mute, unmute, op, deop, owner, add
        public var action: String
        public var reason: String?
        public var minutes: MuteMinutes?
    }

    public struct History: Decodable, Sendable {
        public var room: String
        public var before: Position?
        public var after: Position?
        public var from: EpochMilliseconds?
        public var to: EpochMilliseconds?
        public var limit: PageSize?
    }

    /// docs/search.md: `q` in the search syntax; the rest as `GET /api/v1/search` takes them.
    public struct Search: Decodable, Sendable {
        public var q: String
        public var order: String?
        public var limit: SearchPageSize?
        public var before: Position?
        public var offset: SearchOffset?
        public var timeZone: String?
    }

    public struct Presence: Decodable, Sendable {
        public var status: String
    }

    public struct QuickPhrases: Decodable, Sendable {
        public var phrases: [String]
    }

    public struct Profile: Decodable, Sendable {
        public var displayName: String
        public var email: String?
        public var phone: String?
        public var department: String?
    }

    public struct DirectOpen: Decodable, Sendable {
        public var user: String
    }
}
