import Projections

extension FileArea {
    /// The area as clients name it: `personal` (the caller's own), `public`, `room:<id>`, or
    /// `user:<id>` (the direct conversation with that person: how a file is sent to someone,
    /// online or not).
    init?(parameter: String, caller: UserID) {
        switch parameter {
        case "personal": self = .personal(caller)
        case "public": self = .public
        default:
            if parameter.hasPrefix("room:") {
                let id = String(parameter.dropFirst(5))
                guard RoomID.isWellFormed(id) else { return nil }
                self = .room(RoomID(id))
            } else if parameter.hasPrefix("board:") {
                let id = String(parameter.dropFirst(6))
                guard BoardID.isWellFormed(id) else { return nil }
                self = .board(BoardID(id))
            } else if parameter.hasPrefix("user:") {
                let id = String(parameter.dropFirst(5))
                guard UserID.isWellFormed(id), id != caller.rawValue else { return nil }
                self = .room(RoomID.direct(caller, UserID(id)))
            } else {
                return nil
            }
        }
    }

    /// The parameter form, as the caller would name it.
    func parameter(for caller: UserID) -> String {
        switch self {
        case .personal(let owner): owner == caller ? "personal" : "personal:\(owner.rawValue)"
        case .public: "public"
        case .room(let room): "room:\(room.rawValue)"
        case .board(let board): "board:\(board.rawValue)"
        }
    }
}
