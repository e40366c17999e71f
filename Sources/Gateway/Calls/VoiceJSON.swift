import NIOCore
import Operations
import Projections

/// Voice's frames to clients (docs/protocol.md, "Voice"): who is in a room's voice, who speaks
/// (both ephemeral), and the logged joins, leaves and moderators' mutes as events.
enum VoiceFrames {
    /// `{"type":"voice","room":…,"participants":[{"user","muted","mutedByModerator"}]}`: the whole
    /// list, to who joins and in reply to `voiceList` (with its `id`).
    static func participants(_ room: RoomID, _ participants: [VoiceHub.Participant], id: String? = nil) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "voice")
        if let id { json.field("id", id) }
        json.field("room", room.rawValue)
        json.beginArray("participants")
        for participant in participants {
            json.beginObject()
            json.field("user", participant.user.rawValue)
            json.field("muted", participant.muted)
            json.field("mutedByModerator", participant.mutedByModerator)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    /// `{"type":"voiceUpdate","room","user","present","muted","mutedByModerator"}`: one person's
    /// change (joined, left, muted), to the room's members.
    static func update(_ room: RoomID, _ user: UserID, _ participant: VoiceHub.Participant?) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "voiceUpdate")
        json.field("room", room.rawValue)
        json.field("user", user.rawValue)
        json.field("present", participant != nil)
        json.field("muted", participant?.muted ?? false)
        json.field("mutedByModerator", participant?.mutedByModerator ?? false)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    /// `{"type":"voiceEnded","room":…,"reason":"kicked"|"removed"}`: to a connection the server
    /// took out of a voice.
    static func ended(_ room: RoomID, reason: VoiceLeaveReason) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "voiceEnded")
        json.field("room", room.rawValue)
        json.field("reason", reason.name)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    /// `{"type":"speaking","room":…,"users":[…]}`: when the set of people heard changes.
    static func speaking(_ room: RoomID, _ users: Set<UserID>) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "speaking")
        json.field("room", room.rawValue)
        json.field("users", strings: users.map(\.rawValue).sorted())
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }
}

/// The logged voice events as clients see them (in the room's history too).
enum VoiceJSON {
    static func body(_ stored: StoredEvent, into json: inout JSONWriter) -> Bool {
        switch stored.event {
        case .voiceJoined(let e):
            json.field("kind", "voice.joined")
            json.field("room", e.room.rawValue)
            json.field("user", stored.actor.rawValue)
        case .voiceLeft(let e):
            json.field("kind", "voice.left")
            json.field("room", e.room.rawValue)
            json.field("user", e.user.rawValue)
            json.field("reason", e.reason.name)
        case .voiceMuted(let e):
            json.field("kind", "voice.muted")
            json.field("room", e.room.rawValue)
            json.field("user", e.user.rawValue)
            json.field("muted", e.muted)
        default:
            return false
        }
        return true
    }
}
