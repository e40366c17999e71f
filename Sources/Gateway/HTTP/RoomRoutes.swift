import Operations
import Foundation
import Hummingbird
import Projections

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
        var minutes: Int?
    }

    struct PostBody: Decodable {
        var text: String
        var clientId: String?
        var replyTo: UInt64?
    }

    struct ReadBody: Decodable {
        var upTo: UInt64
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
            return kit.json(["room": room.rawValue, "position": String(position)], status: .created)
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
            let body = try await kit.body(JoinBody.self, request)
            return kit.ok(position: try await core.join(user, room: room, password: body.password))
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
            let before: UInt64? = try kit.query("before", request)
            let after: UInt64? = try kit.query("after", request)
            let from: Int64? = try kit.query("from", request)
            let to: Int64? = try kit.query("to", request)
            let limit: Int = try kit.query("limit", request) ?? 50
            let range: ChatCore.HistoryRange = if let before {
                .before(before)
            } else if let after {
                .after(after)
            } else if let from {
                .between(from: from * 1000, to: (to ?? Int64.max / 1000) * 1000)
            } else {
                .latest
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
                                               text: body.text, replyTo: body.replyTo)
            return kit.json(["position": position], status: .created)
        }
        api.put("rooms/{room}/read") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(ReadBody.self, request)
            return kit.ok(position: try await core.execute(MarkRead(room: room, position: body.upTo), by: user))
        }
        api.patch("messages/{message}") { request, context in
            let (user, _) = try kit.caller(request)
            guard let message = UInt64(try kit.parameter("message", context)) else { throw APIError.invalid("parameter:message") }
            let body = try await kit.body(TextBody.self, request)
            return kit.ok(position: try await core.edit(user, message: message, text: body.text))
        }
        api.delete("messages/{message}") { request, context in
            let (user, _) = try kit.caller(request)
            guard let message = UInt64(try kit.parameter("message", context)) else { throw APIError.invalid("parameter:message") }
            return kit.ok(position: try await core.delete(user, message: message))
        }
        api.post("direct/{user}/messages") { request, context in
            let (user, _) = try kit.caller(request)
            let other = UserID(try kit.parameter("user", context))
            let body = try await kit.body(PostBody.self, request)
            let (room, position) = try await core.postDirect(
                user, to: other, clientID: body.clientId ?? SecureRandom.identifier("h"), text: body.text)
            return kit.json(["room": room.rawValue, "position": String(position)], status: .created)
        }
    }
}
