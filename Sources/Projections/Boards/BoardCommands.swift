/// Commands on boards themselves: create, change, archive, members, labels, stages and lanes.
/// Cards are in CardCommands.swift.

/// User text on boards: trimmed, no control or bidi-override characters (newlines where
/// `multiline`), at most `limit` characters (`tooLarge` past it), not empty where `required`.
func boardText(_ raw: String, _ field: String, limit: Int, multiline: Bool = false, required: Bool = false) throws(Rejection) -> String {
    // Far too long is refused before any character is counted (a character is rarely 16 bytes).
    guard raw.utf8.count <= limit * 16 else { throw .tooLarge(field) }
    guard let text = Names.text(raw, limit: .max, multiline: multiline) else { throw .invalid(field) }
    guard text.count <= limit else { throw .tooLarge(field) }
    if required && text.isEmpty { throw .invalid("empty_\(field)") }
    return text
}

func boardColour(_ raw: String, _ field: String = "colour", allowNone: Bool = false) throws(Rejection) -> String {
    if allowNone && raw.isEmpty { return raw }
    guard BoardColours.names.contains(raw) else { throw .invalid(field) }
    return raw
}

/// A deadline from outside: 0 (none) or a date between 1970 and 9999.
func boardDeadline(_ value: Int64) throws(Rejection) -> Int64 {
    guard value == 0 || (1...253_402_300_799_000_000).contains(value) else { throw .invalid("deadline") }
    return value
}

/// Creates a board; its creator is its owner. Stage and lane ids are minted by the gateway (one
/// per name), the names given in the creator's language (the web client sends its translations
/// of "To do", "In progress", "Review", "Done"; the last is a done stage).
public struct CreateBoard: Command {
    public var board: BoardID
    public var settings: BoardSettings
    public var stages: [(id: StageID, name: String, done: Bool)]
    public var lane: (id: LaneID, name: String)
    public var members: [(UserID, BoardRole)]

    public init(board: BoardID, settings: BoardSettings, stages: [(id: StageID, name: String, done: Bool)],
                lane: (id: LaneID, name: String), members: [(UserID, BoardRole)] = []) {
        self.board = board
        self.settings = settings
        self.stages = stages
        self.lane = lane
        self.members = members
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.require(.kanban, actor)
        guard state.boards[board] == nil else { throw .conflict("board_exists") }
        let settings = try checked(settings, in: state, actor: actor)
        guard (1...BoardLimits.stages).contains(stages.count) else { throw .invalid("stages") }
        let keys = OrderKey.sequence(stages.count)
        var specs: [StageSpec] = []
        for (index, stage) in stages.enumerated() {
            guard !specs.contains(where: { $0.id == stage.id }) else { throw .invalid("stages") }
            specs.append(StageSpec(id: stage.id, name: try boardText(stage.name, "stage_name", limit: BoardLimits.stageName, required: true),
                                   key: keys[index], done: stage.done))
        }
        let laneName = try boardText(lane.name, "lane_name", limit: BoardLimits.stageName)
        guard members.count <= BoardLimits.members else { throw .tooLarge("members") }
        var events = [PendingEvent(Streams.board(board), .boardCreated(BoardCreated(
            board: board, settings: settings, stages: specs, lanes: [LaneSpec(id: lane.id, name: laneName, key: .first)])))]
        var seen: Set<UserID> = [actor]
        for (user, role) in members where seen.insert(user).inserted {
            guard let account = state.accounts[user], !account.disabled else { throw .notFound("user") }
            events.append(PendingEvent(Streams.board(board), .boardMemberChanged(BoardMemberChanged(board: board, user: user, role: role))))
        }
        return Decision(events, mustBeNew: [Streams.board(board)])
    }
}

/// Settings from outside, checked: the linked room must be one the actor is in.
func checked(_ settings: BoardSettings, in state: ChatState, actor: UserID) throws(Rejection) -> BoardSettings {
    var result = settings
    result.title = try boardText(settings.title, "title", limit: BoardLimits.title, required: true)
    result.description = try boardText(settings.description, "description", limit: BoardLimits.description, multiline: true)
    result.colour = try boardColour(settings.colour)
    result.deadline = try boardDeadline(settings.deadline)
    if let room = settings.room {
        guard let found = state.rooms[room], !found.deleted, found.members.contains(actor), found.visibility != .direct else {
            throw .notFound("room")
        }
    } else {
        result.announce = false
    }
    return result
}

/// Replaces a board's settings (owners).
public struct ChangeBoard: Command {
    public var board: BoardID
    public var settings: BoardSettings

    public init(board: BoardID, settings: BoardSettings) {
        self.board = board
        self.settings = settings
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .owner)
        var settings = self.settings
        // Keeping the room it has is allowed even if the owner is not in it.
        if settings.room != nil && settings.room == found.settings.room {
            let room = settings.room
            settings.room = nil
            settings = try checked(settings, in: state, actor: actor)
            settings.room = room
            settings.announce = self.settings.announce
        } else {
            settings = try checked(settings, in: state, actor: actor)
        }
        guard settings != found.settings else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .boardChanged(BoardChanged(board: board, settings: settings)))])
    }
}

/// Archives or restores a board (owners). An archived board is read-only.
public struct ArchiveBoard: Command {
    public var board: BoardID
    public var archived: Bool

    public init(board: BoardID, archived: Bool) {
        self.board = board
        self.archived = archived
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .owner, evenArchived: true)
        guard found.archived != archived else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .boardArchived(BoardArchived(board: board, archived: archived)))])
    }
}

/// Adds a member, changes their role, or removes them (nil). Owners decide; anyone may leave.
/// A board keeps at least one owner.
public struct SetBoardMember: Command {
    public var board: BoardID
    public var user: UserID
    public var role: BoardRole?

    public init(board: BoardID, user: UserID, role: BoardRole?) {
        self.board = board
        self.user = user
        self.role = role
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let leaving = user == actor && role == nil
        let found = try state.board(board, actor, atLeast: leaving ? .viewer : .owner, evenArchived: leaving)
        if role != nil {
            guard let account = state.accounts[user], !account.disabled else { throw .notFound("user") }
            if found.members[user] == nil && found.members.count >= BoardLimits.members { throw .tooLarge("members") }
        }
        guard found.members[user] != role else { return Decision([]) }
        if found.members[user] == .owner && role != .owner
            && !found.members.contains(where: { $0.key != user && $0.value == .owner })
        {
            throw .conflict("last_owner")
        }
        return Decision([PendingEvent(Streams.board(board), .boardMemberChanged(BoardMemberChanged(board: board, user: user, role: role)))])
    }
}

/// Replaces the board's labels (editors). Ids are kept by the client; new ones are minted.
public struct SetBoardLabels: Command {
    public var board: BoardID
    public var labels: [BoardLabel]

    public init(board: BoardID, labels: [BoardLabel]) {
        self.board = board
        self.labels = labels
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard labels.count <= BoardLimits.labels else { throw .tooLarge("labels") }
        var checked: [BoardLabel] = []
        for label in labels {
            guard !checked.contains(where: { $0.id == label.id }) else { throw .invalid("labels") }
            checked.append(BoardLabel(id: label.id, name: try boardText(label.name, "label_name", limit: BoardLimits.labelName),
                                      colour: try boardColour(label.colour)))
        }
        guard checked != found.labels else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .boardLabelsChanged(BoardLabelsChanged(board: board, labels: checked)))])
    }
}

/// Where a stage or lane goes: after another (nil: first), or at the end.
public enum ListPlacement: Sendable, Hashable {
    case end
    case after(String?)
}

/// A key for a stage or lane placed `after` an item of `keys` (id → key), `except` itself.
func listKey(_ placement: ListPlacement, in items: [(id: String, key: OrderKey)], except: String?) throws(Rejection) -> OrderKey {
    let others = items.filter { $0.id != except }.sorted { $0.key == $1.key ? $0.id < $1.id : $0.key < $1.key }
    switch placement {
    case .end:
        guard let key = OrderKey.between(others.last?.key, nil) else { throw .conflict("order_exhausted") }
        return key
    case .after(nil):
        guard let key = OrderKey.between(nil, others.first?.key) else { throw .conflict("order_exhausted") }
        return key
    case .after(let id?):
        guard let index = others.firstIndex(where: { $0.id == id }) else { throw .notFound("after") }
        let next = index + 1 < others.count ? others[index + 1].key : nil
        // Two items on one key (a race): the next distinct key bounds the gap.
        var high = next
        if let h = high, !(others[index].key < h) {
            high = others[(index + 1)...].first(where: { others[index].key < $0.key })?.key
        }
        guard let key = OrderKey.between(others[index].key, high) else { throw .conflict("order_exhausted") }
        return key
    }
}

/// Adds a stage (editors).
public struct AddStage: Command {
    public var board: BoardID
    public var stage: StageID
    public var name: String
    public var wipLimit: Int
    public var done: Bool
    public var placement: ListPlacement

    public init(board: BoardID, stage: StageID, name: String, wipLimit: Int = 0, done: Bool = false, placement: ListPlacement = .end) {
        self.board = board
        self.stage = stage
        self.name = name
        self.wipLimit = wipLimit
        self.done = done
        self.placement = placement
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard found.stages.count < BoardLimits.stages else { throw .tooLarge("stages") }
        guard found.stages[stage] == nil else { throw .conflict("stage_exists") }
        guard (0...BoardLimits.wipLimit).contains(wipLimit) else { throw .invalid("wip_limit") }
        let key = try listKey(placement, in: found.stages.values.map { ($0.id.rawValue, $0.spec.key) }, except: nil)
        let spec = StageSpec(id: stage, name: try boardText(name, "stage_name", limit: BoardLimits.stageName, required: true),
                             key: key, wipLimit: wipLimit, done: done)
        return Decision([PendingEvent(Streams.board(board), .stageAdded(StageAdded(board: board, stage: spec)))])
    }
}

/// Renames, moves, limits or flags a stage (editors): the fields given change.
public struct ChangeStage: Command {
    public var board: BoardID
    public var stage: StageID
    public var name: String?
    public var wipLimit: Int?
    public var done: Bool?
    public var placement: ListPlacement?

    public init(board: BoardID, stage: StageID, name: String? = nil, wipLimit: Int? = nil, done: Bool? = nil, placement: ListPlacement? = nil) {
        self.board = board
        self.stage = stage
        self.name = name
        self.wipLimit = wipLimit
        self.done = done
        self.placement = placement
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard var spec = found.stages[stage]?.spec else { throw .notFound("stage") }
        if let name { spec.name = try boardText(name, "stage_name", limit: BoardLimits.stageName, required: true) }
        if let wipLimit {
            guard (0...BoardLimits.wipLimit).contains(wipLimit) else { throw .invalid("wip_limit") }
            spec.wipLimit = wipLimit
        }
        if let done { spec.done = done }
        if let placement {
            spec.key = try listKey(placement, in: found.stages.values.map { ($0.id.rawValue, $0.spec.key) }, except: stage.rawValue)
        }
        guard spec != found.stages[stage]?.spec else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .stageChanged(StageChanged(board: board, stage: spec)))])
    }
}

/// Deletes a stage; its cards go to `cardsTo` (editors). The last stage stays.
public struct DeleteStage: Command {
    public var board: BoardID
    public var stage: StageID
    public var cardsTo: StageID

    public init(board: BoardID, stage: StageID, cardsTo: StageID) {
        self.board = board
        self.stage = stage
        self.cardsTo = cardsTo
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard found.stages[stage] != nil else { throw .notFound("stage") }
        guard cardsTo != stage, found.stages[cardsTo] != nil else { throw .notFound("cards_to") }
        return Decision([PendingEvent(Streams.board(board), .stageDeleted(StageDeleted(board: board, stage: stage, cardsTo: cardsTo)))])
    }
}

/// Adds a swimlane (editors).
public struct AddLane: Command {
    public var board: BoardID
    public var lane: LaneID
    public var name: String
    public var placement: ListPlacement

    public init(board: BoardID, lane: LaneID, name: String, placement: ListPlacement = .end) {
        self.board = board
        self.lane = lane
        self.name = name
        self.placement = placement
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard found.lanes.count < BoardLimits.lanes else { throw .tooLarge("lanes") }
        guard found.lanes[lane] == nil else { throw .conflict("lane_exists") }
        let key = try listKey(placement, in: found.lanes.values.map { ($0.id.rawValue, $0.spec.key) }, except: nil)
        let spec = LaneSpec(id: lane, name: try boardText(name, "lane_name", limit: BoardLimits.stageName, required: true), key: key)
        return Decision([PendingEvent(Streams.board(board), .laneAdded(LaneAdded(board: board, lane: spec)))])
    }
}

/// Renames or moves a lane (editors).
public struct ChangeLane: Command {
    public var board: BoardID
    public var lane: LaneID
    public var name: String?
    public var placement: ListPlacement?

    public init(board: BoardID, lane: LaneID, name: String? = nil, placement: ListPlacement? = nil) {
        self.board = board
        self.lane = lane
        self.name = name
        self.placement = placement
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard var spec = found.lanes[lane]?.spec else { throw .notFound("lane") }
        if let name { spec.name = try boardText(name, "lane_name", limit: BoardLimits.stageName) }
        if let placement {
            spec.key = try listKey(placement, in: found.lanes.values.map { ($0.id.rawValue, $0.spec.key) }, except: lane.rawValue)
        }
        guard spec != found.lanes[lane]?.spec else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .laneChanged(LaneChanged(board: board, lane: spec)))])
    }
}

/// Deletes a lane; its cards go to `cardsTo` (editors). The last lane stays.
public struct DeleteLane: Command {
    public var board: BoardID
    public var lane: LaneID
    public var cardsTo: LaneID

    public init(board: BoardID, lane: LaneID, cardsTo: LaneID) {
        self.board = board
        self.lane = lane
        self.cardsTo = cardsTo
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard found.lanes[lane] != nil else { throw .notFound("lane") }
        guard cardsTo != lane, found.lanes[cardsTo] != nil else { throw .notFound("cards_to") }
        return Decision([PendingEvent(Streams.board(board), .laneDeleted(LaneDeleted(board: board, lane: lane, cardsTo: cardsTo)))])
    }
}
