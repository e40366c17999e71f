/// Every Kanban board as its events leave it: settings, members and roles, labels, stages, lanes
/// and cards with their comments. Folds board events only, so the same fold over one board's
/// stream up to a date gives the board as it was then (`BoardsView.asOf`).
public struct BoardsView: Hashable, Sendable {
    public struct Stage: Hashable, Sendable {
        public var spec: StageSpec
        public var id: StageID { spec.id }
    }

    public struct Lane: Hashable, Sendable {
        public var spec: LaneSpec
        public var id: LaneID { spec.id }
    }

    public struct Comment: Hashable, Sendable {
        public var id: CommentID
        public var author: UserID
        /// Microseconds since the epoch.
        public var time: Int64
        public var position: UInt64
        public var text: String
        public var mentions: [UserID]
    }

    public struct Card: Hashable, Sendable {
        public var id: CardID
        public var place: CardPlace
        public var title: String
        public var description: String
        public var assignees: [UserID]
        /// Microseconds since the epoch; 0: none.
        public var deadline: Int64
        public var priority: CardPriority
        public var labels: [LabelID]
        public var checklist: [ChecklistItem]
        public var attachments: [CardAttachment]
        public var cover: String
        public var archived: Bool
        public var watchers: Set<UserID>
        public var createdBy: UserID
        public var created: Int64
        public var updated: Int64
        /// The log position of its last event.
        public var position: UInt64
        public var comments: [Comment]
        /// The deadline a reminder was logged for (0: none yet).
        public var remindedFor: Int64

        mutating func change(_ fields: CardFields) {
            if let title = fields.title { self.title = title }
            if let description = fields.description { self.description = description }
            if let assignees = fields.assignees { self.assignees = assignees }
            if let deadline = fields.deadline { self.deadline = deadline }
            if let priority = fields.priority { self.priority = priority }
            if let labels = fields.labels { self.labels = labels }
            if let checklist = fields.checklist { self.checklist = checklist }
            if let attachments = fields.attachments { self.attachments = attachments }
            if let cover = fields.cover { self.cover = cover }
        }

        /// Order within a list: by key, then by id (two moves to one key end the same everywhere).
        public static func inOrder(_ a: Card, _ b: Card) -> Bool {
            a.place.key == b.place.key ? a.id < b.id : a.place.key < b.place.key
        }
    }

    /// A list of cards: one stage in one lane.
    public struct Cell: Hashable, Sendable {
        public var stage: StageID
        public var lane: LaneID
        public init(_ stage: StageID, _ lane: LaneID) {
            self.stage = stage
            self.lane = lane
        }
    }

    /// A card's place in its list, as the list keeps it (sorted by key, then id).
    public struct Entry: Hashable, Sendable, Comparable {
        public var key: OrderKey
        public var id: CardID
        public static func < (a: Entry, b: Entry) -> Bool { a.key == b.key ? a.id < b.id : a.key < b.key }
    }

    public struct Board: Hashable, Sendable {
        public var id: BoardID
        public var settings: BoardSettings
        public var archived = false
        public var members: [UserID: BoardRole] = [:]
        public var labels: [BoardLabel]
        public var stages: [StageID: Stage] = [:]
        public var lanes: [LaneID: Lane] = [:]
        public var cards: [CardID: Card] = [:]
        /// The cards not archived of each list, in order: finding a card's neighbours is a
        /// binary search, and a board of 10,000 cards is laid out without sorting.
        public private(set) var lists: [Cell: [Entry]] = [:]
        /// A replay to a date keeps no lists while it folds (each move would be two binary searches
        /// and a shift), and lays them out once at the end (`BoardsView.finishReplay`).
        var listsDeferred = false
        public var createdBy: UserID
        public var created: Int64
        public var updated: Int64
        /// The log position of its last event.
        public var position: UInt64

        init(id: BoardID, settings: BoardSettings, labels: [BoardLabel], createdBy: UserID, created: Int64, updated: Int64,
             position: UInt64) {
            self.id = id
            self.settings = settings
            self.labels = labels
            self.createdBy = createdBy
            self.created = created
            self.updated = updated
            self.position = position
        }

        /// Stages left to right.
        public var orderedStages: [Stage] { stages.values.sorted { $0.spec.key == $1.spec.key ? $0.id < $1.id : $0.spec.key < $1.spec.key } }
        /// Lanes top to bottom.
        public var orderedLanes: [Lane] { lanes.values.sorted { $0.spec.key == $1.spec.key ? $0.id < $1.id : $0.spec.key < $1.spec.key } }

        /// The cards of one list, in order (not archived).
        public func list(_ stage: StageID, _ lane: LaneID) -> [Entry] { lists[Cell(stage, lane)] ?? [] }

        /// The cards of one stage (and lane, if given), in order; archived ones instead if asked.
        public func cards(in stage: StageID, lane: LaneID? = nil, archived: Bool = false) -> [Card] {
            if !archived, let lane { return list(stage, lane).map { cards[$0.id]! } }
            return cards.values.filter { $0.place.stage == stage && (lane == nil || $0.place.lane == lane) && $0.archived == archived }
                .sorted(by: Card.inOrder)
        }

        /// Cards not archived in a stage (what a WIP limit counts).
        public func openCount(in stage: StageID) -> Int {
            lists.reduce(0) { $0 + ($1.key.stage == stage ? $1.value.count : 0) }
        }

        /// The first entry after `entry` (nil: the first of all) in a list, not counting `except`.
        func next(after entry: Entry?, stage: StageID, lane: LaneID, except: CardID) -> Entry? {
            let list = self.list(stage, lane)
            var index = entry.map { Self.insertionIndex(of: $0, in: list, after: true) } ?? 0
            while index < list.count && list[index].id == except { index += 1 }
            return index < list.count ? list[index] : nil
        }

        /// The last entry of a list, not counting `except`.
        func last(stage: StageID, lane: LaneID, except: CardID) -> Entry? {
            let list = self.list(stage, lane)
            var index = list.count - 1
            while index >= 0 && list[index].id == except { index -= 1 }
            return index >= 0 ? list[index] : nil
        }

        /// The least key above `low` in the list, or the greatest below `high`.
        func key(above low: OrderKey, stage: StageID, lane: LaneID, except: CardID) -> OrderKey? {
            list(stage, lane).first { $0.key > low && $0.id != except }?.key
        }

        func key(below high: OrderKey, stage: StageID, lane: LaneID, except: CardID) -> OrderKey? {
            list(stage, lane).last { $0.key < high && $0.id != except }?.key
        }

        /// Where `entry` goes in a sorted list (after equal entries when `after`).
        static func insertionIndex(of entry: Entry, in list: [Entry], after: Bool = false) -> Int {
            var low = 0
            var high = list.count
            while low < high {
                let middle = (low + high) / 2
                if list[middle] < entry || (after && list[middle] == entry) { low = middle + 1 } else { high = middle }
            }
            return low
        }

        // The index is found in a statement of its own: a second reference to the list while it is
        // changed would make Swift copy the whole list on every move (a replay ran 5 times slower).
        mutating func place(_ card: Card) {
            guard !card.archived, !listsDeferred else { return }
            let entry = Entry(key: card.place.key, id: card.id)
            let cell = Cell(card.place.stage, card.place.lane)
            let index = lists[cell].map { Self.insertionIndex(of: entry, in: $0) } ?? 0
            lists[cell, default: []].insert(entry, at: index)
        }

        mutating func unplace(_ card: Card) {
            guard !listsDeferred else { return }
            let entry = Entry(key: card.place.key, id: card.id)
            let cell = Cell(card.place.stage, card.place.lane)
            let found = lists[cell].flatMap { list -> Int? in
                let index = Self.insertionIndex(of: entry, in: list)
                return index < list.count && list[index] == entry ? index : nil
            }
            guard let index = found else { return }
            lists[cell]!.remove(at: index)
            if lists[cell]!.isEmpty { lists[cell] = nil }
        }

        /// Every list laid out from the cards: one sort per list.
        mutating func layOutLists() {
            listsDeferred = false
            var laid: [Cell: [Entry]] = [:]
            for card in cards.values where !card.archived {
                laid[Cell(card.place.stage, card.place.lane), default: []].append(Entry(key: card.place.key, id: card.id))
            }
            for cell in laid.keys { laid[cell]!.sort() }
            lists = laid
        }

        /// Changes a card and keeps its list in order (one lookup of the card: a replay does this
        /// for every event).
        @discardableResult
        mutating func update(_ id: CardID, _ change: (inout Card) -> Void) -> Bool {
            guard let index = cards.index(forKey: id) else { return false }
            if listsDeferred {
                change(&cards.values[index])
                return true
            }
            unplace(cards.values[index])
            change(&cards.values[index])
            place(cards.values[index])
            return true
        }
    }

    public private(set) var boards: [BoardID: Board] = [:]
    /// The boards each user is a member of.
    public private(set) var memberships: [UserID: Set<BoardID>] = [:]
    /// Which board each card is on (cards are addressed by id alone in some routes).
    public private(set) var cardBoards: [CardID: BoardID] = [:]

    /// Boards whose lists wait to be laid out at the end of a replay.
    private var deferringLists = false

    public init() {}

    /// A view for replaying a board's history to a moment: call `finishReplay` after the last event.
    public init(replaying: Bool) {
        deferringLists = replaying
    }

    /// From now on boards keep no lists until `finishReplay` (a whole log folded at start).
    public mutating func beginReplay() {
        deferringLists = true
        for id in boards.keys { boards[id]!.listsDeferred = true }
    }

    /// Lays out the lists a replay left aside.
    public mutating func finishReplay() {
        for id in boards.keys where boards[id]!.listsDeferred { boards[id]!.layOutLists() }
        deferringLists = false
    }

    public subscript(board: BoardID) -> Board? { boards[board] }

    public func boards(of user: UserID) -> [Board] { (memberships[user] ?? []).compactMap { boards[$0] } }

    // MARK: Folding

    public mutating func apply(_ event: StoredEvent) {
        let time = event.timestamp
        switch event.event {
        case .boardCreated(let e):
            var board = Board(id: e.board, settings: e.settings, labels: e.labels, createdBy: event.actor, created: time,
                              updated: time, position: event.position)
            for stage in e.stages { board.stages[stage.id] = Stage(spec: stage) }
            for lane in e.lanes { board.lanes[lane.id] = Lane(spec: lane) }
            board.members[event.actor] = .owner
            board.listsDeferred = deferringLists
            boards[e.board] = board
            memberships[event.actor, default: []].insert(e.board)
        case .boardChanged(let e):
            touch(e.board, event) { $0.settings = e.settings }
        case .boardArchived(let e):
            touch(e.board, event) { $0.archived = e.archived }
        case .boardMemberChanged(let e):
            touch(e.board, event) { $0.members[e.user] = e.role }
            if e.role == nil {
                memberships[e.user]?.remove(e.board)
                // No one watches a card of a board they left.
                touch(e.board, event) { board in
                    for id in board.cards.keys where board.cards[id]!.watchers.contains(e.user) { board.cards[id]!.watchers.remove(e.user) }
                }
            } else {
                memberships[e.user, default: []].insert(e.board)
            }
        case .boardLabelsChanged(let e):
            touch(e.board, event) { $0.labels = e.labels }
        case .stageAdded(let e):
            touch(e.board, event) { $0.stages[e.stage.id] = Stage(spec: e.stage) }
        case .stageChanged(let e):
            touch(e.board, event) { $0.stages[e.stage.id]?.spec = e.stage }
        case .stageDeleted(let e):
            touch(e.board, event) { board in
                board.stages[e.stage] = nil
                Self.relocate(&board, where: { $0.place.stage == e.stage }, stage: e.cardsTo, lane: nil)
            }
        case .laneAdded(let e):
            touch(e.board, event) { $0.lanes[e.lane.id] = Lane(spec: e.lane) }
        case .laneChanged(let e):
            touch(e.board, event) { $0.lanes[e.lane.id]?.spec = e.lane }
        case .laneDeleted(let e):
            touch(e.board, event) { board in
                board.lanes[e.lane] = nil
                Self.relocate(&board, where: { $0.place.lane == e.lane }, stage: nil, lane: e.cardsTo)
            }
        case .cardCreated(let e):
            let f = e.fields
            touch(e.board, event) { board in
                let card = Card(
                    id: e.card, place: e.place, title: f.title ?? "", description: f.description ?? "", assignees: f.assignees ?? [],
                    deadline: f.deadline ?? 0, priority: f.priority ?? .none, labels: f.labels ?? [], checklist: f.checklist ?? [],
                    attachments: f.attachments ?? [], cover: f.cover ?? "", archived: false, watchers: [event.actor],
                    createdBy: event.actor, created: time, updated: time, position: event.position, comments: [], remindedFor: 0)
                board.cards[e.card] = card
                board.place(card)
            }
            cardBoards[e.card] = e.board
        case .cardChanged(let e):
            touchCard(e.board, e.card, event) { $0.change(e.fields) }
        case .cardMoved(let e):
            touchCard(e.board, e.card, event) { $0.place = e.place }
        case .cardArchived(let e):
            touchCard(e.board, e.card, event) { $0.archived = e.archived }
        case .cardDeleted(let e):
            touch(e.board, event) { board in
                if let card = board.cards[e.card] { board.unplace(card) }
                board.cards[e.card] = nil
            }
            cardBoards[e.card] = nil
        case .cardCommented(let e):
            touchCard(e.board, e.card, event) { card in
                card.comments.append(Comment(id: e.comment, author: event.actor, time: time, position: event.position,
                                             text: e.text, mentions: e.mentions))
            }
        case .cardWatched(let e):
            touchCard(e.board, e.card, event) { card in
                if e.watching { card.watchers.insert(event.actor) } else { card.watchers.remove(event.actor) }
            }
        case .cardDeadlineReminded(let e):
            // A reminder is not an edit: the card's "updated" stays.
            boards[e.board]?.cards[e.card]?.remindedFor = e.deadline
        default:
            return
        }
    }

    private mutating func touch(_ id: BoardID, _ event: StoredEvent, _ change: (inout Board) -> Void) {
        guard let index = boards.index(forKey: id) else { return }
        change(&boards.values[index])
        boards.values[index].updated = event.timestamp
        boards.values[index].position = event.position
    }

    /// A card event: nothing if the board or the card is unknown (both are looked up once).
    private mutating func touchCard(_ board: BoardID, _ card: CardID, _ event: StoredEvent, _ change: (inout Card) -> Void) {
        guard let index = boards.index(forKey: board) else { return }
        let changed = boards.values[index].update(card) { card in
            change(&card)
            card.updated = event.timestamp
            card.position = event.position
        }
        guard changed else { return }
        boards.values[index].updated = event.timestamp
        boards.values[index].position = event.position
    }

    /// Cards of a deleted stage or lane go after the cards already in their new list, in their
    /// order (archived ones too, at the end of it).
    private static func relocate(_ board: inout Board, where matches: (Card) -> Bool, stage: StageID?, lane: LaneID?) {
        let moving = board.cards.values.filter(matches).sorted(by: Card.inOrder)
        for card in moving {
            let cell = Cell(stage ?? card.place.stage, lane ?? card.place.lane)
            let after = board.last(stage: cell.stage, lane: cell.lane, except: card.id)?.key
            let key = OrderKey.between(after, nil) ?? card.place.key
            board.update(card.id) { $0.place = CardPlace(stage: cell.stage, lane: cell.lane, key: key) }
        }
    }

    /// One board as it was after the events given (its own stream, up to a date): the fold the
    /// live view does, restricted to it.
    public static func asOf(_ events: some Sequence<StoredEvent>, board: BoardID) -> Board? {
        var view = BoardsView(replaying: true)
        for event in events { view.apply(event) }
        view.finishReplay()
        return view.boards[board]
    }
}
