/// Kanban events (tags 110–129, docs/events.md). Every one names its board and is appended to the
/// board's stream (`Streams.board`), so a board's history — every move of every card — is one
/// stream: replayed to any date, exported, audited.

/// A stage (column) as a board is created with it.
public struct StageSpec: Hashable, Sendable, BinaryCodable {
    public var id: StageID
    public var name: String
    public var key: OrderKey
    /// Cards past this many in the stage ask for confirmation (0: no limit).
    public var wipLimit: Int
    /// Cards in a done stage count as closed.
    public var done: Bool

    public init(id: StageID, name: String, key: OrderKey, wipLimit: Int = 0, done: Bool = false) {
        self.id = id
        self.name = name
        self.key = key
        self.wipLimit = wipLimit
        self.done = done
    }
    public func encode(to w: inout BinaryWriter) { w.write(id); w.write(name); w.write(key); w.write(wipLimit); w.write(done) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        id = try r.read(); name = try r.read(); key = try r.read(); wipLimit = try r.read(); done = try r.read()
    }
}

/// A swimlane (a row across the stages).
public struct LaneSpec: Hashable, Sendable, BinaryCodable {
    public var id: LaneID
    public var name: String
    public var key: OrderKey

    public init(id: LaneID, name: String, key: OrderKey) {
        self.id = id
        self.name = name
        self.key = key
    }
    public func encode(to w: inout BinaryWriter) { w.write(id); w.write(name); w.write(key) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { id = try r.read(); name = try r.read(); key = try r.read() }
}

/// A board's own settings (what `BoardChanged` replaces at once).
public struct BoardSettings: Hashable, Sendable, BinaryCodable {
    public var title: String
    /// The message formatting subset, rendered by clients.
    public var description: String
    public var colour: String
    /// Microseconds since the epoch; 0: none.
    public var deadline: Int64
    /// The room its activity is announced in, if any.
    public var room: RoomID?
    public var announce: Bool

    public init(title: String, description: String = "", colour: String = "blue", deadline: Int64 = 0, room: RoomID? = nil,
                announce: Bool = false) {
        self.title = title
        self.description = description
        self.colour = colour
        self.deadline = deadline
        self.room = room
        self.announce = announce
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(title); w.write(description); w.write(colour); w.write(deadline); w.write(room); w.write(announce)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        title = try r.read(); description = try r.read(); colour = try r.read(); deadline = try r.read(); room = try r.read()
        announce = try r.read()
    }
}

public struct BoardCreated: EventPayload {
    public static let tag: UInt16 = 110
    public var board: BoardID
    public var settings: BoardSettings
    public var stages: [StageSpec]
    public var lanes: [LaneSpec]
    public var labels: [BoardLabel]

    public init(board: BoardID, settings: BoardSettings, stages: [StageSpec], lanes: [LaneSpec], labels: [BoardLabel] = []) {
        self.board = board
        self.settings = settings
        self.stages = stages
        self.lanes = lanes
        self.labels = labels
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(settings); w.write(stages); w.write(lanes); w.write(labels) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        board = try r.read(); settings = try r.read(); stages = try r.read(); lanes = try r.read(); labels = try r.read()
    }
}

public struct BoardChanged: EventPayload {
    public static let tag: UInt16 = 111
    public var board: BoardID
    public var settings: BoardSettings

    public init(board: BoardID, settings: BoardSettings) {
        self.board = board
        self.settings = settings
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(settings) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); settings = try r.read() }
}

/// Archived (true) or restored (false).
public struct BoardArchived: EventPayload {
    public static let tag: UInt16 = 112
    public var board: BoardID
    public var archived: Bool

    public init(board: BoardID, archived: Bool) {
        self.board = board
        self.archived = archived
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(archived) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); archived = try r.read() }
}

/// A member's role set (nil: removed from the board).
public struct BoardMemberChanged: EventPayload {
    public static let tag: UInt16 = 113
    public var board: BoardID
    public var user: UserID
    public var role: BoardRole?

    public init(board: BoardID, user: UserID, role: BoardRole?) {
        self.board = board
        self.user = user
        self.role = role
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(user); w.write(role) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); user = try r.read(); role = try r.read() }
}

/// The board's labels, all of them (a removed label leaves the cards that had it).
public struct BoardLabelsChanged: EventPayload {
    public static let tag: UInt16 = 114
    public var board: BoardID
    public var labels: [BoardLabel]

    public init(board: BoardID, labels: [BoardLabel]) {
        self.board = board
        self.labels = labels
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(labels) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); labels = try r.read() }
}

public struct StageAdded: EventPayload {
    public static let tag: UInt16 = 115
    public var board: BoardID
    public var stage: StageSpec

    public init(board: BoardID, stage: StageSpec) {
        self.board = board
        self.stage = stage
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(stage) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); stage = try r.read() }
}

/// A stage renamed, moved (a new key), its limit or done flag changed: its whole new state.
public struct StageChanged: EventPayload {
    public static let tag: UInt16 = 116
    public var board: BoardID
    public var stage: StageSpec

    public init(board: BoardID, stage: StageSpec) {
        self.board = board
        self.stage = stage
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(stage) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); stage = try r.read() }
}

/// A stage removed; its cards (archived ones too) went to `cardsTo`, after the cards there.
public struct StageDeleted: EventPayload {
    public static let tag: UInt16 = 117
    public var board: BoardID
    public var stage: StageID
    public var cardsTo: StageID

    public init(board: BoardID, stage: StageID, cardsTo: StageID) {
        self.board = board
        self.stage = stage
        self.cardsTo = cardsTo
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(stage); w.write(cardsTo) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); stage = try r.read(); cardsTo = try r.read() }
}

public struct LaneAdded: EventPayload {
    public static let tag: UInt16 = 118
    public var board: BoardID
    public var lane: LaneSpec

    public init(board: BoardID, lane: LaneSpec) {
        self.board = board
        self.lane = lane
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(lane) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); lane = try r.read() }
}

/// A lane renamed or moved: its whole new state.
public struct LaneChanged: EventPayload {
    public static let tag: UInt16 = 119
    public var board: BoardID
    public var lane: LaneSpec

    public init(board: BoardID, lane: LaneSpec) {
        self.board = board
        self.lane = lane
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(lane) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); lane = try r.read() }
}

/// A lane removed; its cards went to `cardsTo`.
public struct LaneDeleted: EventPayload {
    public static let tag: UInt16 = 120
    public var board: BoardID
    public var lane: LaneID
    public var cardsTo: LaneID

    public init(board: BoardID, lane: LaneID, cardsTo: LaneID) {
        self.board = board
        self.lane = lane
        self.cardsTo = cardsTo
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(lane); w.write(cardsTo) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); lane = try r.read(); cardsTo = try r.read() }
}

/// What a card holds besides its place. In `CardChanged`, only the fields present changed.
public struct CardFields: Hashable, Sendable, BinaryCodable {
    public var title: String?
    public var description: String?
    public var assignees: [UserID]?
    /// Microseconds since the epoch; 0: none.
    public var deadline: Int64?
    public var priority: CardPriority?
    public var labels: [LabelID]?
    public var checklist: [ChecklistItem]?
    public var attachments: [CardAttachment]?
    /// A colour name; "": none.
    public var cover: String?

    public init(title: String? = nil, description: String? = nil, assignees: [UserID]? = nil, deadline: Int64? = nil,
                priority: CardPriority? = nil, labels: [LabelID]? = nil, checklist: [ChecklistItem]? = nil,
                attachments: [CardAttachment]? = nil, cover: String? = nil) {
        self.title = title
        self.description = description
        self.assignees = assignees
        self.deadline = deadline
        self.priority = priority
        self.labels = labels
        self.checklist = checklist
        self.attachments = attachments
        self.cover = cover
    }

    public var isEmpty: Bool { self == CardFields() }

    /// A bit per field present, then the fields present in order.
    public func encode(to w: inout BinaryWriter) {
        var present: UInt64 = 0
        if title != nil { present |= 1 << 0 }
        if description != nil { present |= 1 << 1 }
        if assignees != nil { present |= 1 << 2 }
        if deadline != nil { present |= 1 << 3 }
        if priority != nil { present |= 1 << 4 }
        if labels != nil { present |= 1 << 5 }
        if checklist != nil { present |= 1 << 6 }
        if attachments != nil { present |= 1 << 7 }
        if cover != nil { present |= 1 << 8 }
        w.write(present)
        if let title { w.write(title) }
        if let description { w.write(description) }
        if let assignees { w.write(assignees) }
        if let deadline { w.write(deadline) }
        if let priority { w.write(priority) }
        if let labels { w.write(labels) }
        if let checklist { w.write(checklist) }
        if let attachments { w.write(attachments) }
        if let cover { w.write(cover) }
    }

    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        let present: UInt64 = try r.read()
        guard present >> 9 == 0 else { throw BinaryReader.Malformed(offset: -1) }
        title = present & 1 << 0 != 0 ? try r.read() as String : nil
        description = present & 1 << 1 != 0 ? try r.read() as String : nil
        assignees = present & 1 << 2 != 0 ? try r.read() as [UserID] : nil
        deadline = present & 1 << 3 != 0 ? try r.read() as Int64 : nil
        priority = present & 1 << 4 != 0 ? try r.read() as CardPriority : nil
        labels = present & 1 << 5 != 0 ? try r.read() as [LabelID] : nil
        checklist = present & 1 << 6 != 0 ? try r.read() as [ChecklistItem] : nil
        attachments = present & 1 << 7 != 0 ? try r.read() as [CardAttachment] : nil
        cover = present & 1 << 8 != 0 ? try r.read() as String : nil
    }
}

/// Where a card is: its stage, its lane, and its key among the cards there.
public struct CardPlace: Hashable, Sendable, BinaryCodable {
    public var stage: StageID
    public var lane: LaneID
    public var key: OrderKey

    public init(stage: StageID, lane: LaneID, key: OrderKey) {
        self.stage = stage
        self.lane = lane
        self.key = key
    }
    public func encode(to w: inout BinaryWriter) { w.write(stage); w.write(lane); w.write(key) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { stage = try r.read(); lane = try r.read(); key = try r.read() }
}

public struct CardCreated: EventPayload {
    public static let tag: UInt16 = 121
    public var board: BoardID
    public var card: CardID
    public var place: CardPlace
    /// Every field given (title at least).
    public var fields: CardFields

    public init(board: BoardID, card: CardID, place: CardPlace, fields: CardFields) {
        self.board = board
        self.card = card
        self.place = place
        self.fields = fields
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(place); w.write(fields) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        board = try r.read(); card = try r.read(); place = try r.read(); fields = try r.read()
    }
}

public struct CardChanged: EventPayload {
    public static let tag: UInt16 = 122
    public var board: BoardID
    public var card: CardID
    public var fields: CardFields

    public init(board: BoardID, card: CardID, fields: CardFields) {
        self.board = board
        self.card = card
        self.fields = fields
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(fields) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); card = try r.read(); fields = try r.read() }
}

/// A card moved (to another stage, lane, or place in its list). `from` is where it was, so its
/// history reads "from To do to In progress" without folding anything.
public struct CardMoved: EventPayload {
    public static let tag: UInt16 = 123
    public var board: BoardID
    public var card: CardID
    public var place: CardPlace
    public var from: CardPlace

    public init(board: BoardID, card: CardID, place: CardPlace, from: CardPlace) {
        self.board = board
        self.card = card
        self.place = place
        self.from = from
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(place); w.write(from) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        board = try r.read(); card = try r.read(); place = try r.read(); from = try r.read()
    }
}

/// Archived (true) or restored (false).
public struct CardArchived: EventPayload {
    public static let tag: UInt16 = 124
    public var board: BoardID
    public var card: CardID
    public var archived: Bool

    public init(board: BoardID, card: CardID, archived: Bool) {
        self.board = board
        self.card = card
        self.archived = archived
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(archived) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); card = try r.read(); archived = try r.read() }
}

public struct CardDeleted: EventPayload {
    public static let tag: UInt16 = 125
    public var board: BoardID
    public var card: CardID

    public init(board: BoardID, card: CardID) {
        self.board = board
        self.card = card
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); card = try r.read() }
}

/// A comment; `mentions` are the board members it names with @ (they are notified).
public struct CardCommented: EventPayload {
    public static let tag: UInt16 = 126
    public var board: BoardID
    public var card: CardID
    public var comment: CommentID
    public var text: String
    public var mentions: [UserID]

    public init(board: BoardID, card: CardID, comment: CommentID, text: String, mentions: [UserID]) {
        self.board = board
        self.card = card
        self.comment = comment
        self.text = text
        self.mentions = mentions
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(comment); w.write(text); w.write(mentions) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        board = try r.read(); card = try r.read(); comment = try r.read(); text = try r.read(); mentions = try r.read()
    }
}

/// The actor watches (true) or stops watching (false) a card: watchers hear of every change.
public struct CardWatched: EventPayload {
    public static let tag: UInt16 = 127
    public var board: BoardID
    public var card: CardID
    public var watching: Bool

    public init(board: BoardID, card: CardID, watching: Bool) {
        self.board = board
        self.card = card
        self.watching = watching
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(watching) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { board = try r.read(); card = try r.read(); watching = try r.read() }
}

/// The server reminded the card's assignees that its deadline nears: logged once per deadline,
/// when the reminder fires.
public struct CardDeadlineReminded: EventPayload {
    public static let tag: UInt16 = 128
    public var board: BoardID
    public var card: CardID
    public var deadline: Int64
    public var assignees: [UserID]

    public init(board: BoardID, card: CardID, deadline: Int64, assignees: [UserID]) {
        self.board = board
        self.card = card
        self.deadline = deadline
        self.assignees = assignees
    }
    public func encode(to w: inout BinaryWriter) { w.write(board); w.write(card); w.write(deadline); w.write(assignees) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        board = try r.read(); card = try r.read(); deadline = try r.read(); assignees = try r.read()
    }
}

/// What board events name, whatever their kind.
public enum BoardEvents {
    /// The board a board event belongs to; nil for other events.
    public static func board(of event: DomainEvent) -> BoardID? {
        switch event {
        case .boardCreated(let e): e.board
        case .boardChanged(let e): e.board
        case .boardArchived(let e): e.board
        case .boardMemberChanged(let e): e.board
        case .boardLabelsChanged(let e): e.board
        case .stageAdded(let e): e.board
        case .stageChanged(let e): e.board
        case .stageDeleted(let e): e.board
        case .laneAdded(let e): e.board
        case .laneChanged(let e): e.board
        case .laneDeleted(let e): e.board
        case .cardCreated(let e): e.board
        case .cardChanged(let e): e.board
        case .cardMoved(let e): e.board
        case .cardArchived(let e): e.board
        case .cardDeleted(let e): e.board
        case .cardCommented(let e): e.board
        case .cardWatched(let e): e.board
        case .cardDeadlineReminded(let e): e.board
        default: nil
        }
    }

    /// The card a card event is about; nil for other events.
    public static func card(of event: DomainEvent) -> CardID? {
        switch event {
        case .cardCreated(let e): e.card
        case .cardChanged(let e): e.card
        case .cardMoved(let e): e.card
        case .cardArchived(let e): e.card
        case .cardDeleted(let e): e.card
        case .cardCommented(let e): e.card
        case .cardWatched(let e): e.card
        case .cardDeadlineReminded(let e): e.card
        default: nil
        }
    }
}

/// What a board tells its linked room (when its owner asked: `BoardSettings.announce`).
public enum BoardActivity: UInt8, Sendable, BinaryCodable {
    case created = 0, moved = 1, archived = 2

    public var name: String {
        switch self {
        case .created: "created"
        case .moved: "moved"
        case .archived: "archived"
        }
    }

    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        guard let value = BoardActivity(rawValue: try reader.read()) else { throw BinaryReader.Malformed(offset: -1) }
        self = value
    }
}

/// A card's activity announced in the board's linked room, in the room's stream: its members
/// see it in the timeline (and its history) though they need not be on the board. The names are
/// those of the moment, so the line reads the same later.
public struct BoardActivityAnnounced: EventPayload {
    public static let tag: UInt16 = 129
    public var board: BoardID
    public var boardTitle: String
    public var card: CardID
    public var cardTitle: String
    public var activity: BoardActivity
    /// The stage it is in now.
    public var stage: String

    public init(board: BoardID, boardTitle: String, card: CardID, cardTitle: String, activity: BoardActivity, stage: String) {
        self.board = board
        self.boardTitle = boardTitle
        self.card = card
        self.cardTitle = cardTitle
        self.activity = activity
        self.stage = stage
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(board); w.write(boardTitle); w.write(card); w.write(cardTitle); w.write(activity); w.write(stage)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        board = try r.read(); boardTitle = try r.read(); card = try r.read(); cardTitle = try r.read(); activity = try r.read()
        stage = try r.read()
    }
}

extension ChatState {
    /// The announcement of a card's activity in the board's room, if its owner asked for one
    /// and the room is still there.
    func announcement(_ board: BoardsView.Board, card: CardID, title: String, _ activity: BoardActivity, stage: StageID) -> PendingEvent? {
        guard board.settings.announce, let room = board.settings.room, let found = rooms[room], !found.deleted, !found.archived else {
            return nil
        }
        return PendingEvent(Streams.room(room), .boardActivityAnnounced(BoardActivityAnnounced(
            board: board.id, boardTitle: board.settings.title, card: card, cardTitle: title, activity: activity,
            stage: board.stages[stage]?.spec.name ?? "")))
    }
}
