import Projections

/// Frames a client sends (docs/protocol.md). Every frame but `hello` is a command with an `id`
/// and gets exactly one reply (`ok` or `error`) carrying that id.
enum ClientFrames {
    struct Envelope: Decodable {
        var type: String?
        var id: String?
    }

    struct Hello: Decodable {
        var `protocol`: Int?
        var token: String?
        var lastSeen: UInt64?
        var serverPassword: String?
        /// Whether to include everyone in the welcome (clients of large servers may fetch it).
        var users: Bool?
        var client: String?
    }

    struct Post: Decodable {
        var room: String
        var clientId: String
        var text: String
        var replyTo: UInt64?
    }

    struct Direct: Decodable {
        var user: String
        var clientId: String
        var text: String
    }

    struct Edit: Decodable {
        var message: UInt64
        var text: String
    }

    struct MessageOnly: Decodable {
        var message: UInt64
    }

    struct Read: Decodable {
        var room: String
        var upTo: UInt64
    }

    struct RoomOnly: Decodable {
        var room: String
    }

    struct Join: Decodable {
        var room: String
        var password: String?
    }

    struct Invite: Decodable {
        var room: String
        var user: String
    }

    struct CreateRoom: Decodable {
        var name: String
        var topic: String?
        var visibility: String?
        var password: String?
        var nonLeavable: Bool?
        var autoJoin: Bool?
    }

    struct Topic: Decodable {
        var room: String
        var topic: String
    }

    struct Rename: Decodable {
        var room: String
        var name: String
    }

    struct Moderate: Decodable {
        var room: String
        var user: String
        /// kick, ban, unban, mute, unmute, op, deop, owner, add
        var action: String
        var reason: String?
        var minutes: Int?
    }

    struct History: Decodable {
        var room: String
        var before: UInt64?
        var after: UInt64?
        /// Milliseconds since the epoch.
        var from: Int64?
        var to: Int64?
        var limit: Int?
    }

    struct Presence: Decodable {
        var status: String
    }

    struct QuickPhrases: Decodable {
        var phrases: [String]
    }

    struct Profile: Decodable {
        var displayName: String
        var email: String?
        var phone: String?
        var department: String?
    }

    struct DirectOpen: Decodable {
        var user: String
    }
}

extension ModerateRoom.Action {
    /// Parses a moderation action as clients name it.
    init?(name: String, reason: String?, minutes: Int?, now: Int64) {
        switch name {
        case "kick": self = .kick(reason: reason ?? "")
        case "ban": self = .ban(reason: reason ?? "")
        case "unban": self = .unban
        case "mute":
            guard let minutes, (1...525_600).contains(minutes) else { return nil }
            self = .mute(until: now + Int64(minutes) * 60_000_000)
        case "unmute": self = .unmute
        case "op": self = .role(.operator)
        case "deop": self = .role(.member)
        case "owner": self = .role(.owner)
        case "add": self = .add
        default: return nil
        }
    }
}

extension RoomVisibility {
    init?(name: String?) {
        switch name ?? "public" {
        case "public": self = .public
        case "private": self = .private
        default: return nil
        }
    }
}
