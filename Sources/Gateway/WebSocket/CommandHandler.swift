import Operations
import EventStore
import Foundation
import NIOCore
import Projections
import Wire

/// Turns one client frame into one reply: parses it, runs the action, renders `ok` or `error`.
/// Malformed frames, unknown types and wrong field types get an error; the connection stays open.
struct CommandHandler {
    let core: ChatCore
    let connection: LiveConnection

    private var user: UserID { connection.user }

    func handle(_ bytes: [UInt8]) async -> ByteBuffer {
        let data = Data(bytes)
        let envelope: ClientFrames.Envelope
        do {
            envelope = try WireDecoder.decode(ClientFrames.Envelope.self, from: data)
        } catch {
            return Frames.error(nil, .invalid("malformed_json"))
        }
        let id = envelope.id
        guard let id, id.utf8.count <= 128 else { return Frames.error(id, .invalid("missing_field:id")) }
        do {
            return try await run(envelope.type ?? "", id: id, data)
        } catch let error as APIError {
            return Frames.error(id, error)
        } catch {
            return Frames.error(id, APIError(WireDecoder.rejection(for: error)))
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws(APIError) -> T {
        do throws(Rejection) {
            return try WireDecoder.decode(type, from: data)
        } catch {
            throw APIError(error)
        }
    }

    private func run(_ type: String, id: String, _ data: Data) async throws -> ByteBuffer {
        let core = self.core
        let user = self.user
        // A one-time password not yet changed: nothing but ping until it is (over HTTP), reads included.
        if type != "ping", core.withState({ $0.accounts[user]?.mustChangePassword == true }) {
            throw APIError(Rejection.forbidden("password_change_required"))
        }
        switch type {
        case "ping":
            return Frames.ok(id, position: core.position)
        case "post":
            let frame = try decode(ClientFrames.Post.self, data)
            let position = try await core.post(user, room: RoomID(frame.room), clientID: frame.clientId, text: frame.text,
                                               replyTo: frame.replyTo?.value)
            return Frames.ok(id, position: position)
        case "direct":
            let frame = try decode(ClientFrames.Direct.self, data)
            let (room, position) = try await core.postDirect(user, to: UserID(frame.user), clientID: frame.clientId,
                                                             text: frame.text)
            return Frames.ok(id, position: position) { $0.field("room", room.rawValue) }
        case "openDirect":
            let frame = try decode(ClientFrames.DirectOpen.self, data)
            let room = try await core.openDirect(user, with: UserID(frame.user))
            return Frames.ok(id, position: core.position) { $0.field("room", room.rawValue) }
        case "edit":
            let frame = try decode(ClientFrames.Edit.self, data)
            return Frames.ok(id, position: try await core.edit(user, message: frame.message.value, text: frame.text))
        case "delete":
            let frame = try decode(ClientFrames.MessageOnly.self, data)
            return Frames.ok(id, position: try await core.delete(user, message: frame.message.value))
        case "read":
            let frame = try decode(ClientFrames.Read.self, data)
            return Frames.ok(id, position: try await core.execute(MarkRead(room: RoomID(frame.room), position: frame.upTo.value), by: user))
        case "typing":
            let frame = try decode(ClientFrames.RoomOnly.self, data)
            try core.typing(user, room: RoomID(frame.room), connection: connection.id)
            return Frames.ok(id, position: core.position)
        case "presence":
            let frame = try decode(ClientFrames.Presence.self, data)
            guard frame.status == "away" || frame.status == "online" else { throw APIError.invalid("status") }
            core.registry.setAway(connection, frame.status == "away")
            return Frames.ok(id, position: core.position)
        case "join":
            let frame = try decode(ClientFrames.Join.self, data)
            return Frames.ok(id, position: try await core.join(user, room: RoomID(frame.room), password: frame.password))
        case "decline":
            let frame = try decode(ClientFrames.RoomOnly.self, data)
            return Frames.ok(id, position: try await core.execute(DeclineInvitation(room: RoomID(frame.room)), by: user))
        case "leave":
            let frame = try decode(ClientFrames.RoomOnly.self, data)
            return Frames.ok(id, position: try await core.execute(LeaveRoom(room: RoomID(frame.room)), by: user))
        case "invite":
            let frame = try decode(ClientFrames.Invite.self, data)
            return Frames.ok(id, position: try await core.execute(
                InviteToRoom(room: RoomID(frame.room), user: UserID(frame.user)), by: user))
        case "createRoom":
            let frame = try decode(ClientFrames.CreateRoom.self, data)
            guard let visibility = RoomVisibility(name: frame.visibility) else { throw APIError.invalid("visibility") }
            let (room, position) = try await core.createRoom(user, ChatCore.RoomForm(
                name: frame.name, topic: frame.topic ?? "", visibility: visibility, password: frame.password,
                nonLeavable: frame.nonLeavable ?? false, autoJoin: frame.autoJoin ?? false))
            return Frames.ok(id, position: position) { $0.field("room", room.rawValue) }
        case "topic":
            let frame = try decode(ClientFrames.Topic.self, data)
            return Frames.ok(id, position: try await core.execute(
                ChangeRoom(room: RoomID(frame.room), change: .topic(frame.topic)), by: user))
        case "renameRoom":
            let frame = try decode(ClientFrames.Rename.self, data)
            return Frames.ok(id, position: try await core.execute(
                ChangeRoom(room: RoomID(frame.room), change: .name(frame.name)), by: user))
        case "moderate":
            let frame = try decode(ClientFrames.Moderate.self, data)
            guard let action = ModerateRoom.Action(
                name: frame.action, reason: frame.reason, minutes: frame.minutes, now: Timestamp.now().microseconds)
            else { throw APIError.invalid("action") }
            return Frames.ok(id, position: try await core.execute(
                ModerateRoom(room: RoomID(frame.room), user: UserID(frame.user), action: action), by: user))
        case "history":
            let frame = try decode(ClientFrames.History.self, data)
            let room = RoomID(frame.room)
            let range = try ChatCore.HistoryRange(before: frame.before, after: frame.after, from: frame.from, to: frame.to)
            let page = try await core.history(of: room, for: user, range: range, limit: frame.limit)
            return Frames.history(id, room: room, page)
        case "members":
            let frame = try decode(ClientFrames.RoomOnly.self, data)
            let now = Timestamp.now().microseconds
            guard let members = core.withState({ state -> [Snapshots.Member]? in
                guard let room = state.rooms[RoomID(frame.room)], room.members.contains(user) else { return nil }
                return Snapshots.members(of: room, now: now)
            }) else { throw APIError.notFound("room") }
            return Frames.encoded("members", id: id, MembersReply(room: frame.room, members: members))
        case "directory":
            let visibility = await core.visibility()
            let rooms = core.withState { Snapshots.directory(for: user, $0, at: visibility) }
            return Frames.encoded("directory", id: id, rooms)
        case "quickPhrases":
            let frame = try decode(ClientFrames.QuickPhrases.self, data)
            return Frames.ok(id, position: try await core.execute(SetQuickPhrases(phrases: frame.phrases), by: user))
        case "profile":
            let frame = try decode(ClientFrames.Profile.self, data)
            return Frames.ok(id, position: try await core.execute(UpdateProfile(user: user, profile: Profile(
                displayName: frame.displayName, email: frame.email ?? "", phone: frame.phone ?? "",
                department: frame.department ?? "")), by: user))
        case "hello":
            throw APIError.invalid("already_greeted")
        default:
            throw APIError.invalid("unknown_type")
        }
    }

    struct MembersReply: Encodable {
        var room: String
        var members: [Snapshots.Member]
    }
}

extension ChatCore {
    /// The events after `after` and up to `through` that `user` was entitled to, rendered, in
    /// log order, in chunks; none older than the retention horizon.
    func catchUp(_ user: UserID, after: UInt64, through: UInt64, _ send: ([ByteBuffer]) async throws -> Void)
        async throws
    {
        var next = await visibility().floor(after) + 1
        while next <= through {
            let records = try await store.read(from: next, limit: 512).filter { $0.position <= through }
            guard let last = records.last else { break }
            let stored = try records.map(Self.decode)
            let visible = withState { state in
                stored.filter { Audience.of($0).includes(user, at: $0.position, in: state) }
                    .map { ($0, EventRenderer.Context.of($0, in: state)) }
            }
            try await send(visible.compactMap { EventRenderer.frame($0, context: $1).map { ByteBuffer(bytes: $0) } })
            next = last.position + 1
        }
    }
}
