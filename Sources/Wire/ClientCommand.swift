import Foundation
public import Projections

/// A command frame (every frame after `hello`), parsed and checked, ready to run: the one
/// place where a frame's `type` selects its shape (docs/protocol.md, "Commands and replies").
/// Pure, so the fuzz target (Tests/Fuzz) exercises exactly what the server runs.
public enum ClientCommand: Sendable {
    case ping
    case post(ClientFrames.Post)
    case direct(ClientFrames.Direct)
    case openDirect(ClientFrames.DirectOpen)
    case edit(ClientFrames.Edit)
    case delete(ClientFrames.MessageOnly)
    case read(ClientFrames.Read)
    case typing(ClientFrames.RoomOnly)
    case presence(away: Bool)
    case join(ClientFrames.Join)
    case leave(ClientFrames.RoomOnly)
    case decline(ClientFrames.RoomOnly)
    case invite(ClientFrames.Invite)
    case createRoom(ClientFrames.CreateRoom, RoomVisibility)
    case topic(ClientFrames.Topic)
    case renameRoom(ClientFrames.Rename)
    case moderate(ClientFrames.Moderate)
    case history(ClientFrames.History)
    case members(ClientFrames.RoomOnly)
    case directory
    case quickPhrases(ClientFrames.QuickPhrases)
    case profile(ClientFrames.Profile)
    case search(ClientFrames.Search)
    case voiceJoin(ClientFrames.RoomOnly)
    case voiceLeave
    case voiceList(ClientFrames.RoomOnly)
    case voiceMute(ClientFrames.VoiceMute)
    case voiceModerate(ClientFrames.VoiceModerate)
    case call(ClientFrames.Call)
    case callAnswer(ClientFrames.CallOnly)
    case callEnd(ClientFrames.CallOnly)
    case callSignal(ClientFrames.CallSignal)

    /// A frame that could not be parsed: the rejection, and the id to answer with when the frame
    /// had a usable one.
    public struct Refused: Error, Sendable {
        public var id: String?
        public var rejection: Rejection
    }

    /// The longest command id.
    public static let maxIDBytes = 128

    /// Parses a command frame's JSON text.
    public static func parse(_ bytes: [UInt8]) throws(Refused) -> (id: String, command: ClientCommand) {
        let data = Data(bytes)
        let envelope: ClientFrames.Envelope
        do {
            envelope = try WireDecoder.decode(ClientFrames.Envelope.self, from: data)
        } catch {
            throw Refused(id: nil, rejection: .invalid("malformed_json"))
        }
        guard let id = envelope.id, id.utf8.count <= maxIDBytes else {
            throw Refused(id: envelope.id.flatMap { $0.utf8.count <= maxIDBytes ? $0 : nil },
                          rejection: .invalid("missing_field:id"))
        }
        do throws(Rejection) {
            return (id, try command(envelope.type ?? "", data))
        } catch {
            throw Refused(id: id, rejection: error)
        }
    }

    private static func command(_ type: String, _ data: Data) throws(Rejection) -> ClientCommand {
        func decode<T: Decodable>(_ type: T.Type) throws(Rejection) -> T { try WireDecoder.decode(type, from: data) }
        switch type {
        case "ping": return .ping
        case "post": return .post(try decode(ClientFrames.Post.self))
        case "direct": return .direct(try decode(ClientFrames.Direct.self))
        case "openDirect": return .openDirect(try decode(ClientFrames.DirectOpen.self))
        case "edit": return .edit(try decode(ClientFrames.Edit.self))
        case "delete": return .delete(try decode(ClientFrames.MessageOnly.self))
        case "read": return .read(try decode(ClientFrames.Read.self))
        case "typing": return .typing(try decode(ClientFrames.RoomOnly.self))
        case "presence":
            let frame = try decode(ClientFrames.Presence.self)
            guard frame.status == "away" || frame.status == "online" else { throw .invalid("status") }
            return .presence(away: frame.status == "away")
        case "join": return .join(try decode(ClientFrames.Join.self))
        case "leave": return .leave(try decode(ClientFrames.RoomOnly.self))
        case "decline": return .decline(try decode(ClientFrames.RoomOnly.self))
        case "invite": return .invite(try decode(ClientFrames.Invite.self))
        case "createRoom":
            let frame = try decode(ClientFrames.CreateRoom.self)
            guard let visibility = RoomVisibility(name: frame.visibility) else { throw .invalid("visibility") }
            return .createRoom(frame, visibility)
        case "topic": return .topic(try decode(ClientFrames.Topic.self))
        case "renameRoom": return .renameRoom(try decode(ClientFrames.Rename.self))
        case "moderate": return .moderate(try decode(ClientFrames.Moderate.self))
        case "history": return .history(try decode(ClientFrames.History.self))
        case "search": return .search(try decode(ClientFrames.Search.self))
        case "members": return .members(try decode(ClientFrames.RoomOnly.self))
        case "directory": return .directory
        case "quickPhrases": return .quickPhrases(try decode(ClientFrames.QuickPhrases.self))
        case "profile": return .profile(try decode(ClientFrames.Profile.self))
        case "voiceJoin": return .voiceJoin(try decode(ClientFrames.RoomOnly.self))
        case "voiceLeave": return .voiceLeave
        case "voiceList": return .voiceList(try decode(ClientFrames.RoomOnly.self))
        case "voiceMute": return .voiceMute(try decode(ClientFrames.VoiceMute.self))
        case "voiceModerate": return .voiceModerate(try decode(ClientFrames.VoiceModerate.self))
        case "call": return .call(try decode(ClientFrames.Call.self))
        case "callAnswer": return .callAnswer(try decode(ClientFrames.CallOnly.self))
        case "callEnd": return .callEnd(try decode(ClientFrames.CallOnly.self))
        case "callSignal": return .callSignal(try decode(ClientFrames.CallSignal.self))
        case "hello": throw .invalid("already_greeted")
        default: throw .invalid("unknown_type")
        }
    }
}
