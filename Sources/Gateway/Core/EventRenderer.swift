import Operations
import Projections

/// The JSON frame clients receive for an event (docs/protocol.md, "Events"). Built once per
/// event and shared by every recipient. Secrets (password and token hashes) never appear.
enum EventRenderer {
    /// What the event alone does not say but its recipients need, read from the state when the
    /// event is delivered: the invited person is not in the room, so the invitation names it.
    struct Context: Sendable {
        var roomName: String
        var topic: String
        var visibility: RoomVisibility

        static func of(_ stored: StoredEvent, in state: borrowing ChatState) -> Context? {
            guard case .memberInvited = stored.event, let id = stored.room, let room = state.rooms[id] else { return nil }
            return Context(roomName: room.name, topic: room.topic, visibility: room.visibility)
        }
    }

    static func frame(_ stored: StoredEvent, context: Context? = nil) -> [UInt8]? {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "event")
        json.field("position", stored.position)
        json.field("time", stored.timestamp / 1000)
        json.field("actor", stored.actor.rawValue)
        guard body(stored, into: &json) else { return nil }
        if let context {
            json.field("roomName", context.roomName)
            json.field("topic", context.topic)
            json.field("visibility", visibility(context.visibility))
        }
        json.endObject()
        return json.bytes
    }

    /// Writes `kind` and the fields; false for events clients never see. A history page gives
    /// a posted message's `revision` (its current text, null once deleted), and an edit's the
    /// revision of the post it edits.
    static func body(_ stored: StoredEvent, revision: TimelinesView.Revision? = nil, into json: inout JSONWriter) -> Bool {
        let room = stored.room?.rawValue
        let user = stored.user?.rawValue
        switch stored.event {
        case .settingsChanged(let e):
            json.field("kind", "settings.changed")
            json.field("serverName", e.settings.serverName)
            json.field("registrationOpen", e.settings.registrationOpen)
            json.field("maxMessageLength", e.settings.maxMessageLength)
            json.field("retentionDays", e.settings.retentionDays)
        case .broadcastSent(let e):
            // A message in each recipient's Announcements conversation (docs/protocol.md).
            json.field("kind", "broadcast")
            json.field("room", RoomID.announcements.rawValue)
            json.field("message", stored.position)
            json.field("author", stored.actor.rawValue)
            json.field("text", e.text)
            json.field("mustRead", e.mustRead)
        case .groupCreated(let e):
            json.field("kind", "group.created")
            group(e.group, e.name, e.permissions, into: &json)
        case .groupChanged(let e):
            json.field("kind", "group.changed")
            group(e.group, e.name, e.permissions, into: &json)
        case .groupDeleted(let e):
            json.field("kind", "group.deleted")
            json.field("group", e.group.rawValue)
        case .userRegistered(let e):
            json.field("kind", "user.registered")
            json.field("user", e.user.rawValue)
            json.field("username", e.username)
            json.field("displayName", e.displayName)
            json.field("bot", e.origin == .bot)
        case .profileChanged(let e):
            json.field("kind", "user.profile")
            json.field("user", user)
            json.field("displayName", e.profile.displayName)
            json.field("email", e.profile.email)
            json.field("phone", e.profile.phone)
            json.field("department", e.profile.department)
        case .userDisabled:
            json.field("kind", "user.disabled")
            json.field("user", user)
        case .userEnabled:
            json.field("kind", "user.enabled")
            json.field("user", user)
        case .userGroupsChanged(let e):
            json.field("kind", "user.groups")
            json.field("user", user)
            json.field("groups", strings: e.groups.map(\.rawValue))
        case .quickPhrasesChanged(let e):
            json.field("kind", "quickphrases.changed")
            json.field("phrases", strings: e.phrases)
        case .passwordChanged(let e):
            json.field("kind", "password.changed")
            json.field("mustChange", e.mustChange)
        case .readMarked(let e):
            json.field("kind", "read.marked")
            json.field("room", e.room.rawValue)
            json.field("upTo", e.position)
        case .roomCreated(let e):
            json.field("kind", "room.created")
            json.field("room", e.room.rawValue)
            json.field("name", e.name)
            json.field("topic", e.topic)
            json.field("visibility", visibility(e.visibility))
            json.field("hasPassword", e.passwordHash != nil)
            json.field("nonLeavable", e.nonLeavable)
            json.field("autoJoin", e.autoJoin)
            json.field("members", strings: e.members.map(\.rawValue))
        case .roomRenamed(let e):
            json.field("kind", "room.renamed")
            json.field("room", room)
            json.field("name", e.name)
        case .topicChanged(let e):
            json.field("kind", "room.topic")
            json.field("room", room)
            json.field("topic", e.topic)
        case .roomDeleted:
            json.field("kind", "room.deleted")
            json.field("room", room)
        case .roomArchived(let e):
            json.field("kind", "room.archived")
            json.field("room", room)
            json.field("archived", e.archived)
        case .roomSettingsChanged(let e):
            json.field("kind", "room.settings")
            json.field("room", room)
            json.field("visibility", visibility(e.visibility))
            json.field("hasPassword", e.passwordHash != nil)
            json.field("nonLeavable", e.nonLeavable)
            json.field("autoJoin", e.autoJoin)
        case .memberJoined(let e):
            member("member.joined", room, e.user, into: &json)
            json.field("method", ["self", "invitation", "operator"][Int(e.method.rawValue)])
        case .memberLeft(let e): member("member.left", room, e.user, into: &json)
        case .memberInvited(let e): member("member.invited", room, e.user, into: &json)
        case .invitationDeclined(let e): member("member.declined", room, e.user, into: &json)
        case .memberKicked(let e):
            member("member.kicked", room, e.user, into: &json)
            json.field("reason", e.reason)
        case .memberBanned(let e):
            member("member.banned", room, e.user, into: &json)
            json.field("reason", e.reason)
        case .memberUnbanned(let e): member("member.unbanned", room, e.user, into: &json)
        case .memberMuted(let e):
            member("member.muted", room, e.user, into: &json)
            json.field("until", e.until / 1000)
        case .memberUnmuted(let e): member("member.unmuted", room, e.user, into: &json)
        case .roleChanged(let e):
            member("member.role", room, e.user, into: &json)
            json.field("role", role(e.role))
        case .messagePosted(let e):
            json.field("kind", "message.posted")
            json.field("room", room)
            json.field("message", stored.position)
            json.field("author", stored.actor.rawValue)
            if let revision { json.field("text", revision.text) } else { json.field("text", e.text) }
            json.field("replyTo", e.replyTo)
            json.field("mentions", strings: revision?.deleted == true ? [] : e.mentions.map(\.rawValue))
            json.field("clientId", e.clientID)
        case .messageEdited(let e):
            // In a history page, `revision` is the edited post's: once it is deleted, so is this text.
            let withdrawn = revision?.deleted == true
            json.field("kind", "message.edited")
            json.field("room", room)
            json.field("message", e.message)
            json.field("text", withdrawn ? nil : e.text)
            json.field("mentions", strings: withdrawn ? [] : e.mentions.map(\.rawValue))
        case .messageDeleted(let e):
            json.field("kind", "message.deleted")
            json.field("room", room)
            json.field("message", e.message)
        case .fileUploaded(let e):
            json.field("kind", "file.uploaded")
            json.field("room", room)
            fileFields(e.file, e.area, e.folder, e.name, e.blob, stored.actor, into: &json)
            json.field("replaces", e.replaces?.rawValue)
        case .folderShared(let e):
            json.field("kind", "folder.shared")
            json.field("room", room)
            json.field("area", areaName(e.area))
            json.field("folder", e.folder)
            json.field("name", e.name)
            json.field("count", e.entries.count)
            json.field("size", e.entries.reduce(UInt64(0)) { $0 &+ $1.blob.size })
            json.field("uploader", stored.actor.rawValue)
        case .fileRenamed(let e):
            json.field("kind", "file.renamed")
            json.field("room", room)
            json.field("file", e.file.rawValue)
            json.field("name", e.name)
        case .fileMoved(let e):
            json.field("kind", "file.moved")
            json.field("room", room)
            json.field("file", e.file.rawValue)
            json.field("area", areaName(e.area))
            json.field("folder", e.folder)
            json.field("name", e.name)
        case .fileDeleted(let e):
            json.field("kind", "file.deleted")
            json.field("room", room)
            json.field("file", e.file.rawValue)
        case .folderCreated(let e):
            json.field("kind", "folder.created")
            json.field("room", room)
            json.field("area", areaName(e.area))
            json.field("path", e.path)
        case .folderMoved(let e):
            json.field("kind", "folder.moved")
            json.field("room", room)
            json.field("area", areaName(e.area))
            json.field("from", e.from)
            json.field("to", e.to)
        case .folderDeleted(let e):
            json.field("kind", "folder.deleted")
            json.field("room", room)
            json.field("area", areaName(e.area))
            json.field("path", e.path)
        case .fileLimitsChanged(let e):
            json.field("kind", "files.limits")
            json.field("defaultQuota", e.defaultQuota)
            json.field("maxFileSize", e.maxFileSize)
        case .userQuotaChanged(let e):
            json.field("kind", "files.quota")
            json.field("user", user)
            json.field("bytes", e.bytes)
        case .backupTaken(let e):
            json.field("kind", "backup.taken")
            json.field("backupKind", e.kind)
            json.field("headPosition", e.headPosition)
            json.field("sha256", e.sha256)
            json.field("by", e.by)
        case .exportTaken(let e):
            json.field("kind", "export.taken")
            json.field("format", e.format)
            json.field("count", e.count)
            json.field("sha256", e.sha256)
            json.field("by", e.by)
        default:
            return BoardJSON.body(stored, into: &json) || BulletinJSON.body(stored, into: &json) || VoiceJSON.body(stored, into: &json) || CallJSON.body(stored, into: &json)
        }
        return true
    }

    /// An area as a client names it; a personal area only ever reaches its owner, who calls it
    /// `personal`.
    static func areaName(_ area: FileArea) -> String {
        switch area {
        case .room(let room): "room:\(room.rawValue)"
        case .personal: "personal"
        case .public: "public"
        case .board(let board): "board:\(board.rawValue)"
        }
    }

    private static func fileFields(_ file: FileID, _ area: FileArea, _ folder: String, _ name: String, _ blob: BlobRef,
                                   _ uploader: UserID, into json: inout JSONWriter) {
        json.field("file", file.rawValue)
        json.field("area", areaName(area))
        json.field("folder", folder)
        json.field("name", name)
        json.field("size", blob.size)
        json.field("mediaType", blob.mediaType)
        json.field("sha256", blob.sha256)
        json.field("inline", MediaTypes.inlineSafe(blob.mediaType))
        json.field("uploader", uploader.rawValue)
    }

    private static func member(_ kind: String, _ room: String?, _ user: UserID, into json: inout JSONWriter) {
        json.field("kind", kind)
        json.field("room", room)
        json.field("user", user.rawValue)
    }

    private static func group(_ id: GroupID, _ name: String, _ permissions: Permissions, into json: inout JSONWriter) {
        json.field("group", id.rawValue)
        json.field("name", name)
        json.field("permissions", strings: permissions.names)
    }

    static func visibility(_ value: RoomVisibility) -> String {
        switch value {
        case .public: "public"
        case .private: "private"
        case .direct: "direct"
        }
    }

    static func role(_ value: RoomRole) -> String {
        switch value {
        case .member: "member"
        case .operator: "operator"
        case .owner: "owner"
        }
    }
}
