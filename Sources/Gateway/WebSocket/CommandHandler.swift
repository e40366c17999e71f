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
        let id: String, command: ClientCommand
        do throws(ClientCommand.Refused) {
            (id, command) = try ClientCommand.parse(bytes)
        } catch {
            return Frames.error(error.id, APIError(error.rejection))
        }
        do {
            return try await run(command, id: id)
        } catch let error as APIError {
            return Frames.error(id, error)
        } catch let error as Rejection {
            return Frames.error(id, APIError(error))
        } catch {
            return Frames.error(id, .unavailable)
        }
    }

    private func run(_ command: ClientCommand, id: String) async throws -> ByteBuffer {
        let core = self.core
        let user = self.user
        // A one-time password not yet changed: nothing but ping until it is (over HTTP), reads included.
        if case .ping = command {} else if core.withState({ $0.accounts[user]?.mustChangePassword == true }) {
            throw APIError(Rejection.forbidden("password_change_required"))
        }
        switch command {
        case .ping:
            return Frames.ok(id, position: core.position)
        case .post(let frame):
            let position = try await core.post(user, room: RoomID(frame.room), clientID: frame.clientId, text: frame.text,
                                               replyTo: frame.replyTo?.value)
            return Frames.ok(id, position: position)
        case .direct(let frame):
            let (room, position) = try await core.postDirect(user, to: UserID(frame.user), clientID: frame.clientId,
                                                             text: frame.text)
            return Frames.ok(id, position: position) { $0.field("room", room.rawValue) }
        case .openDirect(let frame):
            let room = try await core.openDirect(user, with: UserID(frame.user))
            return Frames.ok(id, position: core.position) { $0.field("room", room.rawValue) }
        case .edit(let frame):
            return Frames.ok(id, position: try await core.edit(user, message: frame.message.value, text: frame.text))
        case .delete(let frame):
            return Frames.ok(id, position: try await core.delete(user, message: frame.message.value))
        case .read(let frame):
            return Frames.ok(id, position: try await core.execute(
                MarkRead(room: RoomID(frame.room), position: frame.upTo.value), by: user))
        case .typing(let frame):
            try core.typing(user, room: RoomID(frame.room), connection: connection.id)
            return Frames.ok(id, position: core.position)
        case .presence(let away):
            core.registry.setAway(connection, away)
            return Frames.ok(id, position: core.position)
        case .join(let frame):
            return Frames.ok(id, position: try await core.join(user, room: RoomID(frame.room), password: frame.password))
        case .leave(let frame):
            return Frames.ok(id, position: try await core.execute(LeaveRoom(room: RoomID(frame.room)), by: user))
        case .decline(let frame):
            return Frames.ok(id, position: try await core.execute(DeclineInvitation(room: RoomID(frame.room)), by: user))
        case .invite(let frame):
            return Frames.ok(id, position: try await core.execute(
                InviteToRoom(room: RoomID(frame.room), user: UserID(frame.user)), by: user))
        case .createRoom(let frame, let visibility):
            let (room, position) = try await core.createRoom(user, ChatCore.RoomForm(
                name: frame.name, topic: frame.topic ?? "", visibility: visibility, password: frame.password,
                nonLeavable: frame.nonLeavable ?? false, autoJoin: frame.autoJoin ?? false))
            return Frames.ok(id, position: position) { $0.field("room", room.rawValue) }
        case .topic(let frame):
            return Frames.ok(id, position: try await core.execute(
                ChangeRoom(room: RoomID(frame.room), change: .topic(frame.topic)), by: user))
        case .renameRoom(let frame):
            return Frames.ok(id, position: try await core.execute(
                ChangeRoom(room: RoomID(frame.room), change: .name(frame.name)), by: user))
        case .moderate(let frame):
            guard let action = ModerateRoom.Action(
                name: frame.action, reason: frame.reason, minutes: frame.minutes, now: Timestamp.now().microseconds)
            else { throw APIError.invalid("action") }
            return Frames.ok(id, position: try await core.execute(
                ModerateRoom(room: RoomID(frame.room), user: UserID(frame.user), action: action), by: user))
        case .history(let frame):
            let room = RoomID(frame.room)
            let range = try ChatCore.HistoryRange(before: frame.before, after: frame.after, from: frame.from, to: frame.to)
            let page = try await core.history(of: room, for: user, range: range, limit: frame.limit)
            return Frames.history(id, room: room, page)
        case .search(let frame):
            let request = try SearchService.Request(
                text: frame.q, order: frame.order, limit: frame.limit, before: frame.before, offset: frame.offset,
                timeZone: frame.timeZone)
            let bytes = try await SearchService(core: core).search(request, by: user) { json in
                json.field("type", "search")
                json.field("id", id)
            }
            return ByteBuffer(bytes: bytes)
        case .members(let frame):
            let now = Timestamp.now().microseconds
            guard let members = core.withState({ state -> [Snapshots.Member]? in
                guard let room = state.rooms[RoomID(frame.room)], room.members.contains(user) else { return nil }
                return Snapshots.members(of: room, now: now)
            }) else { throw APIError.notFound("room") }
            return Frames.encoded("members", id: id, MembersReply(room: frame.room, members: members))
        case .directory:
            let visibility = await core.visibility()
            let rooms = core.withState { Snapshots.directory(for: user, $0, at: visibility) }
            return Frames.encoded("directory", id: id, rooms)
        case .quickPhrases(let frame):
            return Frames.ok(id, position: try await core.execute(SetQuickPhrases(phrases: frame.phrases), by: user))
        case .profile(let frame):
            return Frames.ok(id, position: try await core.execute(UpdateProfile(user: user, profile: Profile(
                displayName: frame.displayName, email: frame.email ?? "", phone: frame.phone ?? "",
                department: frame.department ?? "")), by: user))
        case .voiceJoin(let frame):
            return Frames.ok(id, position: try await core.joinVoice(connection, room: RoomID(frame.room)))
        case .voiceList(let frame):
            let room = RoomID(frame.room)
            guard core.withState({ $0.rooms[room]?.members.contains(user) == true }) else { throw APIError.notFound("room") }
            return VoiceFrames.participants(room, core.voice.participants(in: room), id: id)
        case .voiceLeave:
            return Frames.ok(id, position: try await core.leaveVoice(connection))
        case .voiceMute(let frame):
            try core.muteVoice(connection, muted: frame.muted)
            return Frames.ok(id, position: core.position)
        case .voiceModerate(let frame):
            let action: ModerateVoice.Action
            switch frame.action {
            case "mute": action = .mute
            case "unmute": action = .unmute
            case "kick": action = .kick
            default: throw APIError.invalid("unknown_action")
            }
            return Frames.ok(id, position: try await core.execute(
                ModerateVoice(room: RoomID(frame.room), user: UserID(frame.user), action: action), by: user))
        case .call(let frame):
            let call = try await core.startCall(connection, callee: UserID(frame.user), video: frame.video ?? false)
            return Frames.ok(id, position: core.position) { $0.field("call", call) }
        case .callAnswer(let frame):
            return Frames.ok(id, position: try await core.answerCall(connection, frame.call))
        case .callEnd(let frame):
            return Frames.ok(id, position: try await core.hangUp(connection, frame.call))
        case .callSignal(let frame):
            try core.relaySignal(connection, frame.call, frame.signal)
            return Frames.ok(id, position: core.position)
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
