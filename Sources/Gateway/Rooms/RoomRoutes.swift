import Operations
import Foundation
import Hummingbird
import Projections
import Wire

/// Rooms, members, history and messages. Every route checks the caller's membership: a room the
/// caller cannot see answers 404, exactly like a room that does not exist.
struct RoomRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    struct CreateBody: Decodable {
        var name: String
        var topic: String?
        var visibility: String?
        var password: String?
        var nonLeavable: Bool?
        var autoJoin: Bool?
    }

    struct ChangeBody: Decodable {
        var name: String?
        var topic: String?
        var archived: Bool?
    }

    struct JoinBody: Decodable {
        var password: String?
    }

    struct UserBody: Decodable {
        var user: String
    }

    struct ModerationBody: Decodable {
        var user: String
        var action: String
        var reason: String?
        var minutes: MuteMinutes?
    }

    struct PostBody: Decodable {
        var text: String
        var clientId: String?
        var replyTo: Position?
    }

    struct ReadBody: Decodable {
        var upTo: Position
    }

    struct TextBody: Decodable {
        var text: String
    }

    struct Members: Encodable {
        var room: String
        var members: [Snapshots.Member]
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("rooms") { request, _ in
            let (user, _) = try kit.caller(request)
            let visibility = await core.visibility(now: kit.now)
            return kit.json(core.withState { Snapshots.rooms(for: user, $0, at: visibility) })
        }
        api.get("rooms/directory") { request, _ in
            let (user, _) = try kit.caller(request)
            let visibility = await core.visibility(now: kit.now)
            return kit.json(core.withState { Snapshots.directory(for: user, $0, at: visibility) })
        }
        api.post("rooms") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(CreateBody.self, request)
            guard let visibility = RoomVisibility(name: body.visibility) else { throw APIError.invalid("visibility") }
            let (room, position) = try await core.createRoom(user, ChatCore.RoomForm(
                name: body.name, topic: body.topic ?? "", visibility: visibility, password: body.password,
                nonLeavable: body.nonLeavable ?? false, autoJoin: body.autoJoin ?? false))
            return kit.created(position: position, ["room": room.rawValue])
        }
        api.get("rooms/{room}") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let visibility = await core.visibility(now: kit.now)
            guard let summary = core.withState({ state -> Snapshots.Room? in
                guard state.rooms.isMember(user, of: room) else { return nil }
                return Snapshots.room(room, for: user, state, at: visibility)
            }) else { throw APIError.notFound("room") }
            return kit.json(summary)
        }
        api.patch("rooms/{room}") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(ChangeBody.self, request)
            // Nothing to change still says whether the room is there for the caller.
            guard core.withState({ $0.rooms.isMember(user, of: room) }) else { throw APIError.notFound("room") }
            var position = core.position
            if let name = body.name { position = try await core.execute(ChangeRoom(room: room, change: .name(name)), by: user) }
            if let topic = body.topic { position = try await core.execute(ChangeRoom(room: room, change: .topic(topic)), by: user) }
            if let archived = body.archived {
                position = try await core.execute(ChangeRoom(room: room, change: .archived(archived)), by: user)
            }
            return kit.ok(position: position)
        }
        api.get("rooms/{room}/members") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let now = kit.now
            guard let members = core.withState({ state -> [Snapshots.Member]? in
                guard let found = state.rooms[room], found.members.contains(user) else { return nil }
                return Snapshots.members(of: found, now: now)
            }) else { throw APIError.notFound("room") }
            return kit.json(Members(room: room.rawValue, members: members))
        }
        api.post("rooms/{room}/join") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(JoinBody.self, request, emptyIs: JoinBody())
            return kit.ok(position: try await core.join(user, room: room, password: body.password))
        }
        api.post("rooms/{room}/decline") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            return kit.ok(position: try await core.execute(DeclineInvitation(room: room), by: user))
        }
        api.post("rooms/{room}/leave") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            return kit.ok(position: try await core.execute(LeaveRoom(room: room), by: user))
        }
        api.post("rooms/{room}/invite") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(UserBody.self, request)
            return kit.ok(position: try await core.execute(InviteToRoom(room: room, user: UserID(body.user)), by: user))
        }
        api.post("rooms/{room}/moderation") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(ModerationBody.self, request)
            guard let action = ModerateRoom.Action(name: body.action, reason: body.reason, minutes: body.minutes, now: kit.now)
            else { throw APIError.invalid("action") }
            return kit.ok(position: try await core.execute(
                ModerateRoom(room: room, user: UserID(body.user), action: action), by: user))
        }
        api.get("rooms/{room}/messages") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let query = try kit.query(request, allowing: ["before", "after", "from", "to", "limit"])
            let range: ChatCore.HistoryRange
            let limit: PageSize?
            do throws(Rejection) {
                range = try ChatCore.HistoryRange(
                    before: query.number("before"), after: query.number("after"), from: query.number("from"),
                    to: query.number("to"))
                limit = try query.number("limit")
            } catch {
                throw APIError(error)
            }
            let page = try await core.history(of: room, for: user, range: range, limit: limit)
            var json = JSONWriter()
            json.beginObject()
            json.field("room", room.rawValue)
            json.field("hasMoreBefore", page.hasMoreBefore)
            json.field("hasMoreAfter", page.hasMoreAfter)
            json.field("hiddenBefore", page.hiddenBefore)
            json.beginArray("items")
            for item in page.items { json.raw(nil, item) }
            json.endArray()
            json.endObject()
            return kit.json(bytes: json.bytes)
        }
        api.post("rooms/{room}/messages") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(PostBody.self, request)
            let position = try await core.post(user, room: room, clientID: body.clientId ?? SecureRandom.identifier("h"),
                                               text: body.text, replyTo: body.replyTo?.value)
            return kit.created(position: position)
        }
        api.put("rooms/{room}/read") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(ReadBody.self, request)
            return kit.ok(position: try await core.execute(MarkRead(room: room, position: body.upTo.value), by: user))
        }
        api.patch("messages/{message}") { request, context in
            let (user, _) = try kit.caller(request)
            let message = try kit.number("message", context, as: Position.self)
            let body = try await kit.body(TextBody.self, request)
            return kit.ok(position: try await core.edit(user, message: message.value, text: body.text))
        }
        api.delete("messages/{message}") { request, context in
            let (user, _) = try kit.caller(request)
            let message = try kit.number("message", context, as: Position.self)
            return kit.ok(position: try await core.delete(user, message: message.value))
        }
        api.post("direct/{user}/messages") { request, context in
            let (user, _) = try kit.caller(request)
            let other = UserID(try kit.parameter("user", context))
            let body = try await kit.body(PostBody.self, request)
            let (room, position) = try await core.postDirect(
                user, to: other, clientID: body.clientId ?? SecureRandom.identifier("h"), text: body.text,
                replyTo: body.replyTo?.value)
            return kit.created(position: position, ["room": room.rawValue])
        }
    }
}
