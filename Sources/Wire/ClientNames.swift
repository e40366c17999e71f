public import Projections

extension ModerateRoom.Action {
    /// A moderation action as clients name it; `until` is computed from `now` (µs).
    public init?(name: String, reason: String?, minutes: MuteMinutes?, now: Int64) {
        switch name {
        case "kick": self = .kick(reason: reason ?? "")
        case "ban": self = .ban(reason: reason ?? "")
        case "unban": self = .unban
        case "mute":
            guard let minutes else { return nil }
            self = .mute(until: now + minutes.microseconds)
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
    /// `public` (the default) or `private`; direct conversations are not created by name.
    public init?(name: String?) {
        switch name ?? "public" {
        case "public": self = .public
        case "private": self = .private
        default: return nil
        }
    }
}
