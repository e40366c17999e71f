import EventStore
import Operations
import Projections

/// Notices as clients read them (docs/bulletin.md), and the bulletin's event frames.
enum BulletinJSON {
    /// The caller's board: on it (pinned first, then newest) or the archive (expired, withdrawn),
    /// the unread count and the must-read notices still waiting for the caller.
    static func board(for user: UserID, _ state: borrowing ChatState, now: Int64, archive: Bool) -> [UInt8] {
        let administrator = state.isAdministrator(user)
        let visible = state.bulletin.visible(to: user, administrator: administrator)
        let shown = visible.filter { $0.isActive(at: now) != archive }
            .sorted { ($0.pinned ? 1 : 0, $0.position) > ($1.pinned ? 1 : 0, $1.position) }
        var json = JSONWriter()
        json.beginObject()
        let cursor = state.reads.cursor(user, .bulletin)
        json.field("unread", state.bulletin.unread(for: user, after: cursor, now: now))
        json.field("readUpTo", cursor)
        json.field("pending", strings: state.bulletin.pending(for: user).map(\.id.rawValue))
        json.beginArray("notices")
        for notice in shown {
            json.beginObject()
            self.notice(notice, for: user, administrator: administrator, now: now, into: &json)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    static func notice(_ n: BulletinView.Notice, for user: UserID, administrator: Bool, now: Int64, into json: inout JSONWriter) {
        json.field("id", n.id.rawValue)
        json.field("position", n.position)
        json.field("author", n.author.rawValue)
        json.field("title", n.title)
        json.field("body", n.body)
        attachments(n.attachments, into: &json)
        audience(n.audience, into: &json)
        json.field("pinned", n.pinned)
        json.field("expiresAt", BoardJSON.ms(n.expiresAt).map { UInt64(max(0, $0)) })
        json.field("mustRead", n.mustRead)
        json.field("posted", n.posted / 1000)
        json.field("edited", BoardJSON.ms(n.edited).map { UInt64(max(0, $0)) })
        json.field("withdrawn", n.withdrawn)
        json.field("active", n.isActive(at: now))
        json.field("acknowledgedAt", n.acknowledged[user].map { UInt64(max(0, $0 / 1000)) })
        let manages = n.author == user || administrator
        json.field("canEdit", manages)
        if manages {
            json.field("acknowledgements", n.acknowledged.count)
            json.field("recipients", n.audience.everyone ? nil : UInt64(n.audience.recipients.count))
        }
    }

    static func attachments(_ list: [BulletinAttachment], into json: inout JSONWriter) {
        json.beginArray("attachments")
        for (index, attachment) in list.enumerated() {
            json.beginObject()
            json.field("index", index)
            json.field("name", attachment.name)
            json.field("size", attachment.blob.size)
            json.field("mediaType", attachment.blob.mediaType)
            json.field("inline", MediaTypes.inlineSafe(attachment.blob.mediaType))
            json.endObject()
        }
        json.endArray()
    }

    static func audience(_ a: BulletinAudience, into json: inout JSONWriter) {
        json.field("everyone", a.everyone)
        json.field("groups", strings: a.groups.map(\.rawValue))
        json.field("users", strings: a.users.map(\.rawValue))
    }

    /// Who acknowledged (with times) and who has not, for the author and administrators.
    /// `recipients` nil: everyone (every active account but bots).
    static func reads(_ acknowledged: [UserID: Int64], reminders: [Int64], recipients: [UserID]?, author: UserID,
                      _ state: borrowing ChatState) -> [UInt8] {
        let everyone = recipients ?? state.accounts.byID.values.filter { !$0.disabled && $0.origin != .bot }.map(\.id).sorted()
        var json = JSONWriter()
        json.beginObject()
        json.beginArray("read")
        for (user, time) in acknowledged.sorted(by: { $0.value < $1.value }) {
            json.beginObject()
            json.field("user", user.rawValue)
            json.field("at", time / 1000)
            json.endObject()
        }
        json.endArray()
        json.field("unread", strings: everyone.filter { acknowledged[$0] == nil && $0 != author }.map(\.rawValue))
        json.beginArray("reminders")
        for time in reminders { json.element(Int(time / 1000)) }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// The fields of a bulletin event's frame; false if it is not one.
    static func body(_ stored: StoredEvent, into json: inout JSONWriter) -> Bool {
        switch stored.event {
        case .bulletinPosted(let e):
            json.field("kind", "bulletin.posted")
            json.field("bulletin", e.bulletin.rawValue)
            json.field("title", e.title)
            json.field("body", e.body)
            attachments(e.attachments, into: &json)
            audience(e.audience, into: &json)
            json.field("pinned", e.pinned)
            json.field("expiresAt", BoardJSON.ms(e.expiresAt).map { UInt64(max(0, $0)) })
            json.field("mustRead", e.mustRead)
        case .bulletinEdited(let e):
            json.field("kind", "bulletin.edited")
            json.field("bulletin", e.bulletin.rawValue)
            json.field("title", e.title)
            json.field("body", e.body)
            json.field("pinned", e.pinned)
            json.field("expiresAt", BoardJSON.ms(e.expiresAt).map { UInt64(max(0, $0)) })
        case .bulletinWithdrawn(let e):
            json.field("kind", "bulletin.withdrawn")
            json.field("bulletin", e.bulletin.rawValue)
        case .bulletinAcknowledged(let e):
            json.field("kind", "bulletin.acknowledged")
            json.field("bulletin", e.bulletin.rawValue)
            json.field("user", stored.actor.rawValue)
        case .bulletinReminded(let e):
            json.field("kind", "bulletin.reminded")
            json.field("bulletin", e.bulletin.rawValue)
            json.field("users", strings: e.users.map(\.rawValue))
        case .broadcastAcknowledged(let e):
            json.field("kind", "broadcast.acknowledged")
            json.field("message", e.broadcast)
            json.field("user", stored.actor.rawValue)
        case .broadcastReminded(let e):
            json.field("kind", "broadcast.reminded")
            json.field("message", e.broadcast)
            json.field("users", strings: e.users.map(\.rawValue))
        default:
            return false
        }
        return true
    }
}

extension BulletinJSON {
    /// Every broadcast, newest first (the last 500), with its text read from the log and, for a
    /// must-read one, how many acknowledged: the admin panel's list.
    static func broadcasts(_ core: ChatCore) async throws -> [UInt8] {
        let entries = core.withState { Array($0.announcements.entries.suffix(500).reversed()) }
        var json = JSONWriter()
        json.beginObject()
        json.beginArray("broadcasts")
        for entry in entries {
            guard let record = try await core.store.read(from: entry.position, limit: 1).first,
                  case .broadcastSent(let sent) = try ChatCore.decode(record).event
            else { continue }
            json.beginObject()
            json.field("message", entry.position)
            json.field("time", record.timestamp.microseconds / 1000)
            json.field("author", entry.author.rawValue)
            json.field("text", sent.text)
            json.field("mustRead", entry.mustRead)
            json.field("recipients", entry.recipients.map { UInt64($0.count) })
            json.field("acknowledgements", entry.acknowledged.count)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }
}
