import Foundation
import Hummingbird
import Projections

/// Every room for administrators, private ones and direct conversations included: their
/// metadata only, never their messages. Changes go through `ChangeRoom`, the rule every door uses
/// (an administrator may moderate any room without being in it).
struct AdminRoomRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    struct AdminRoom: Encodable {
        var room: String
        var name: String
        var topic: String
        var visibility: String
        var archived: Bool
        var deleted: Bool
        var autoJoin: Bool
        var nonLeavable: Bool
        var passwordSet: Bool
        var members: Int
        var owners: [String]
        var operators: [String]
        /// Messages ever posted (deleted ones included), and when the last was (ms; 0: none).
        var messages: Int
        var lastMessageAt: Int64
    }

    struct DeleteBody: Decodable {
        var reason: String?
    }

    struct ChangeBody: Decodable {
        var archived: Bool?
        var autoJoin: Bool?
        var nonLeavable: Bool?
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("admin/rooms") { request, _ in
            _ = try kit.administrator(request)
            return kit.json(core.withState { state in
                state.rooms.byID.values.sorted { $0.id < $1.id }.map { room in
                    let timeline = state.timelines[room.id]
                    return AdminRoom(
                        room: room.id.rawValue, name: room.name, topic: room.topic, visibility: "\(room.visibility)",
                        archived: room.archived, deleted: room.deleted, autoJoin: room.autoJoin, nonLeavable: room.nonLeavable,
                        passwordSet: room.passwordHash != nil, members: room.members.count,
                        owners: room.roles.filter { $0.value == .owner }.map(\.key.rawValue).sorted(),
                        operators: room.roles.filter { $0.value == .operator }.map(\.key.rawValue).sorted(),
                        messages: timeline?.messagePositions.count ?? 0, lastMessageAt: (timeline?.lastMessageAt ?? 0) / 1000)
                }
            })
        }
        api.patch("admin/rooms/{room}") { request, context in
            let admin = try kit.administrator(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(ChangeBody.self, request)
            guard let found = core.withState({ $0.rooms[room] }), !found.deleted else { throw APIError.notFound("room") }
            var position = core.position
            if let archived = body.archived, archived != found.archived {
                position = try await core.execute(ChangeRoom(room: room, change: .archived(archived)), by: admin)
            }
            if body.autoJoin != nil || body.nonLeavable != nil {
                position = try await core.execute(ChangeRoom(room: room, change: .settings(
                    visibility: found.visibility, passwordHash: found.passwordHash,
                    nonLeavable: body.nonLeavable ?? found.nonLeavable, autoJoin: body.autoJoin ?? found.autoJoin)), by: admin)
            }
            return kit.ok(position: position)
        }
        api.delete("admin/rooms/{room}") { request, context in
            let admin = try kit.administrator(request)
            let room = RoomID(try kit.parameter("room", context))
            let body = try await kit.body(DeleteBody.self, request, emptyIs: DeleteBody())
            return kit.ok(position: try await core.execute(ChangeRoom(room: room, change: .deleted(reason: body.reason ?? "")), by: admin))
        }
    }
}
