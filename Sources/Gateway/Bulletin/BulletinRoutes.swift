import Foundation
import Hummingbird
import Operations
import Projections
import Wire

/// The bulletin board over HTTP (docs/bulletin.md, docs/openapi.yaml "Bulletin"): notices for the
/// caller, posting (administrators and `postBulletin`), editing, withdrawing, acknowledging,
/// the read list for authors and administrators, reminders, attachments; and the must-read side
/// of administrators' broadcasts.
struct BulletinRoutes {
    let files: FileService
    var kit: HTTPKit { files.kit }
    var core: ChatCore { kit.core }

    struct PostBody: Decodable {
        var title: String
        var body: String?
        var attachments: [String]?
        /// Everyone (the default when no groups or users are named).
        var everyone: Bool?
        var groups: [String]?
        var users: [String]?
        var pinned: Bool?
        var expiresAt: EpochMilliseconds?
        var mustRead: Bool?
    }

    struct EditBody: Decodable {
        var title: String?
        var body: String?
        var pinned: Bool?
        var expiresAt: EpochMilliseconds?
        /// true: it no longer expires.
        var clearExpiry: Bool?
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("bulletin") { request, _ in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["archive"])
            let archive = try BoardRoutes.flag(query, "archive")
            let now = kit.now
            return kit.json(bytes: core.withState { state in BulletinJSON.board(for: user, state, now: now, archive: archive) })
        }
        api.post("bulletin") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(PostBody.self, request)
            let id = BulletinID(SecureRandom.identifier("n"))
            var attachments: [FileID] = []
            for raw in body.attachments ?? [] {
                guard FileID.isWellFormed(raw) else { throw APIError.notFound("file") }
                attachments.append(FileID(raw))
            }
            let groups = try (body.groups ?? []).map { raw throws(APIError) -> GroupID in
                guard GroupID.isWellFormed(raw) else { throw APIError.notFound("group") }
                return GroupID(raw)
            }
            let users = try (body.users ?? []).map { raw throws(APIError) -> UserID in
                guard UserID.isWellFormed(raw) else { throw APIError.notFound("user") }
                return UserID(raw)
            }
            let everyone = body.everyone ?? (groups.isEmpty && users.isEmpty)
            if everyone && (!groups.isEmpty || !users.isEmpty) { throw APIError.invalid("audience") }
            let position = try await core.execute(PostBulletin(
                bulletin: id, title: body.title, body: body.body ?? "", attachments: attachments, everyone: everyone, groups: groups,
                users: users, pinned: body.pinned ?? false, expiresAt: body.expiresAt?.microseconds ?? 0, mustRead: body.mustRead ?? false),
                by: user)
            return kit.created(position: position, ["bulletin": id.rawValue])
        }
        api.patch("bulletin/{bulletin}") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(EditBody.self, request)
            let id = try Self.noticeID(kit, context)
            return kit.ok(position: try await core.execute(EditBulletin(
                bulletin: id, title: body.title, body: body.body, pinned: body.pinned,
                expiresAt: body.clearExpiry == true ? 0 : body.expiresAt?.microseconds), by: user))
        }
        api.delete("bulletin/{bulletin}") { request, context in
            let (user, _) = try kit.caller(request)
            let id = try Self.noticeID(kit, context)
            return kit.ok(position: try await core.execute(WithdrawBulletin(bulletin: id), by: user))
        }
        api.post("bulletin/{bulletin}/acknowledge") { request, context in
            let (user, _) = try kit.caller(request)
            let id = try Self.noticeID(kit, context)
            return kit.ok(position: try await core.execute(AcknowledgeBulletin(bulletin: id), by: user))
        }
        api.get("bulletin/{bulletin}/reads") { request, context in
            let (user, _) = try kit.caller(request)
            let id = try Self.noticeID(kit, context)
            return kit.json(bytes: try core.withState { state throws(APIError) -> [UInt8] in
                let notice = try Self.rejecting { () throws(Rejection) in try state.readableNotice(id, user) }
                guard notice.author == user || state.isAdministrator(user) else { throw APIError(Rejection.forbidden("not_author")) }
                return BulletinJSON.reads(notice.acknowledged, reminders: notice.reminders.map(\.time),
                                          recipients: notice.audience.everyone ? nil : notice.audience.recipients, author: notice.author, state)
            })
        }
        api.post("bulletin/{bulletin}/remind") { request, context in
            let (user, _) = try kit.caller(request)
            let id = try Self.noticeID(kit, context)
            return kit.ok(position: try await core.execute(RemindBulletin(bulletin: id), by: user))
        }
        api.get("bulletin/{bulletin}/attachments/{index}") { request, context in
            let (user, _) = try kit.caller(request)
            let id = try Self.noticeID(kit, context)
            let index = try kit.number("index", context, as: AttachmentIndex.self).value
            let query = try kit.query(request, allowing: ["inline"])
            let attachment = try core.withState { state throws(APIError) -> BulletinAttachment in
                let notice = try Self.rejecting { () throws(Rejection) in try state.readableNotice(id, user) }
                guard index < notice.attachments.count else { throw APIError.notFound("attachment") }
                return notice.attachments[index]
            }
            return try FileRoutes(files: files).download(name: attachment.name, blob: attachment.blob, what: "\(id)/\(index)", request,
                                                         inline: query.contains("inline"))
        }
        // Whom a notice may be addressed to: the rights groups by name (not their rights), for
        // those who may post (an administrator also has admin/groups).
        api.get("bulletin/groups") { request, _ in
            let (user, _) = try kit.caller(request)
            return kit.json(bytes: try core.withState { state throws(APIError) -> [UInt8] in
                try Self.rejecting { () throws(Rejection) in try state.requireBulletinPoster(user) }
                var json = JSONWriter()
                json.beginObject()
                json.beginArray("groups")
                for group in state.groups.byID.values.sorted(by: { $0.id < $1.id }) {
                    json.beginObject()
                    json.field("group", group.id.rawValue)
                    json.field("name", group.name)
                    json.endObject()
                }
                json.endArray()
                json.endObject()
                return json.bytes
            })
        }
        api.get("admin/broadcasts") { request, _ in
            _ = try kit.administrator(request)
            return kit.json(bytes: try await BulletinJSON.broadcasts(core))
        }
        // Must-read broadcasts: the recipient acknowledges; administrators see and remind.
        api.post("announcements/{message}/acknowledge") { request, context in
            let (user, _) = try kit.caller(request)
            let message = try kit.number("message", context, as: Position.self).value
            return kit.ok(position: try await core.execute(AcknowledgeBroadcast(broadcast: message), by: user))
        }
        api.get("admin/broadcasts/{message}/reads") { request, context in
            _ = try kit.administrator(request)
            let message = try kit.number("message", context, as: Position.self).value
            return kit.json(bytes: try core.withState { state throws(APIError) -> [UInt8] in
                guard let entry = state.announcements.entry(at: message) else { throw APIError.notFound("broadcast") }
                return BulletinJSON.reads(entry.acknowledged, reminders: entry.reminders,
                                          recipients: entry.recipients.map { $0.sorted() }, author: entry.author, state)
            })
        }
        api.post("admin/broadcasts/{message}/remind") { request, context in
            let admin = try kit.administrator(request)
            let message = try kit.number("message", context, as: Position.self).value
            return kit.ok(position: try await core.execute(RemindBroadcast(broadcast: message), by: admin))
        }
    }

    static func noticeID(_ kit: HTTPKit, _ context: CauserieContext) throws(APIError) -> BulletinID {
        let raw = try kit.parameter("bulletin", context)
        guard BulletinID.isWellFormed(raw) else { throw APIError.notFound("bulletin") }
        return BulletinID(raw)
    }

    static func rejecting<T>(_ body: () throws(Rejection) -> T) throws(APIError) -> T {
        do throws(Rejection) {
            return try body()
        } catch {
            throw APIError(error)
        }
    }
}
