/// Commands on cards: create, change, move, archive, delete, comment, watch, and the deadline
/// reminder the server logs. Every door decides through these.

/// Where a card goes in its list.
public enum CardPlacement: Sendable, Hashable {
    case top
    case bottom
    case after(CardID)
    case before(CardID)
    /// A key the client computed itself (checked: it must be one).
    case key(OrderKey)
}

extension BoardsView.Board {
    /// The key for a card placed in the list (stage, lane), the card itself left out.
    func key(for placement: CardPlacement, stage: StageID, lane: LaneID, moving: CardID?) throws(Rejection) -> OrderKey {
        let except = moving ?? CardID("")
        func neighbour(_ id: CardID) throws(Rejection) -> BoardsView.Card {
            guard let card = cards[id], card.id != except, !card.archived, card.place.stage == stage, card.place.lane == lane else {
                throw .notFound("neighbour")
            }
            return card
        }
        let result: OrderKey?
        switch placement {
        case .top:
            result = OrderKey.between(nil, next(after: nil, stage: stage, lane: lane, except: except)?.key)
        case .bottom:
            result = OrderKey.between(last(stage: stage, lane: lane, except: except)?.key, nil)
        case .after(let id):
            let card = try neighbour(id)
            result = OrderKey.between(card.place.key, key(above: card.place.key, stage: stage, lane: lane, except: except))
        case .before(let id):
            let card = try neighbour(id)
            result = OrderKey.between(key(below: card.place.key, stage: stage, lane: lane, except: except), card.place.key)
        case .key(let key):
            result = key
        }
        guard let result else { throw .conflict("order_exhausted") }
        return result
    }
}

extension ChatState {
    /// Card fields from outside, checked against the board: every text within its limit,
    /// assignees among the members, labels of the board, files of the board's area.
    func checked(_ fields: CardFields, on board: BoardsView.Board) throws(Rejection) -> CardFields {
        var result = fields
        if let title = fields.title { result.title = try boardText(title, "title", limit: BoardLimits.cardTitle, required: true) }
        if let description = fields.description {
            result.description = try boardText(description, "description", limit: BoardLimits.description, multiline: true)
        }
        if let assignees = fields.assignees {
            guard assignees.count <= BoardLimits.assignees else { throw .tooLarge("assignees") }
            var unique: [UserID] = []
            for user in assignees where !unique.contains(user) {
                guard boardRole(board, user) != nil else { throw .invalid("assignee_not_member") }
                unique.append(user)
            }
            result.assignees = unique
        }
        if let deadline = fields.deadline { result.deadline = try boardDeadline(deadline) }
        if let labels = fields.labels {
            var unique: [LabelID] = []
            for label in labels where !unique.contains(label) {
                guard board.labels.contains(where: { $0.id == label }) else { throw .notFound("label") }
                unique.append(label)
            }
            result.labels = unique
        }
        if let checklist = fields.checklist {
            guard checklist.count <= BoardLimits.checklistItems else { throw .tooLarge("checklist") }
            var items: [ChecklistItem] = []
            for item in checklist {
                items.append(ChecklistItem(text: try boardText(item.text, "checklist_item", limit: BoardLimits.checklistItem, required: true),
                                           done: item.done))
            }
            result.checklist = items
        }
        if let attachments = fields.attachments {
            guard attachments.count <= BoardLimits.attachments else { throw .tooLarge("attachments") }
            var checkedAttachments: [CardAttachment] = []
            for attachment in attachments where !checkedAttachments.contains(attachment) {
                switch attachment {
                case .file(let id):
                    guard let file = files[id], file.area == .board(board.id) else { throw .notFound("file") }
                    checkedAttachments.append(attachment)
                case .link(let url, let title):
                    checkedAttachments.append(.link(url: try checkedLink(url),
                                                    title: try boardText(title, "link_title", limit: BoardLimits.title)))
                }
            }
            result.attachments = checkedAttachments
        }
        if let cover = fields.cover { result.cover = try boardColour(cover, "cover", allowNone: true) }
        return result
    }

    /// An http or https address with no spaces or control characters.
    func checkedLink(_ raw: String) throws(Rejection) -> String {
        let url = raw.trimmedWhitespace
        guard url.utf8.count <= BoardLimits.url else { throw .tooLarge("url") }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), url.utf8.count > 8,
              !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else { throw .invalid("url") }
        return url
    }

    /// Refuses a card entering `stage` past its WIP limit, unless the actor confirmed.
    func requireRoomInStage(_ board: BoardsView.Board, _ stage: StageID, confirmed: Bool) throws(Rejection) {
        guard let limit = board.stages[stage]?.spec.wipLimit, limit > 0, !confirmed else { return }
        if board.openCount(in: stage) >= limit { throw .conflict("wip_limit") }
    }

    /// The board members named with @ in a comment.
    func mentionedBoardMembers(_ text: String, _ board: BoardsView.Board) -> [UserID] {
        MessageText.mentionedNames(in: text).compactMap { accounts.user(named: $0)?.id }
            .filter { boardRole(board, $0) != nil }
    }
}

/// Creates a card (editors).
public struct CreateCard: Command {
    public var board: BoardID
    public var card: CardID
    public var stage: StageID
    /// nil: the board's first lane.
    public var lane: LaneID?
    public var placement: CardPlacement
    public var fields: CardFields
    /// Past the stage's WIP limit: the user confirmed.
    public var overLimit: Bool

    public init(board: BoardID, card: CardID, stage: StageID, lane: LaneID? = nil, placement: CardPlacement = .bottom,
                fields: CardFields, overLimit: Bool = false) {
        self.board = board
        self.card = card
        self.stage = stage
        self.lane = lane
        self.placement = placement
        self.fields = fields
        self.overLimit = overLimit
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        guard found.cards[card] == nil, state.boards.cardBoards[card] == nil else { throw .conflict("card_exists") }
        guard found.cards.count < BoardLimits.cardsPerBoard else { throw .tooLarge("cards") }
        guard found.stages[stage] != nil else { throw .notFound("stage") }
        guard let lane = lane ?? found.orderedLanes.first?.id, found.lanes[lane] != nil else { throw .notFound("lane") }
        guard fields.title != nil else { throw .invalid("missing_field:title") }
        let fields = try state.checked(fields, on: found)
        try state.requireRoomInStage(found, stage, confirmed: overLimit)
        let key = try found.key(for: placement, stage: stage, lane: lane, moving: nil)
        var events = [PendingEvent(Streams.board(board), .cardCreated(CardCreated(
            board: board, card: card, place: CardPlace(stage: stage, lane: lane, key: key), fields: fields)))]
        if let announced = state.announcement(found, card: card, title: fields.title ?? "", .created, stage: stage) { events.append(announced) }
        return Decision(events)
    }
}

/// Changes a card's fields (editors). A commenter may tick the checklist of a card assigned to them.
public struct ChangeCard: Command {
    public var board: BoardID
    public var card: CardID
    public var fields: CardFields

    public init(board: BoardID, card: CardID, fields: CardFields) {
        self.board = board
        self.card = card
        self.fields = fields
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .commenter)
        let current = try state.card(card, on: found)
        guard !current.archived else { throw .conflict("card_archived") }
        var fields = try state.checked(self.fields, on: found)
        if state.boardRole(found, actor)! < .editor {
            let ticksOnly = fields.checklist.map { new in
                new.count == current.checklist.count && zip(new, current.checklist).allSatisfy { $0.text == $1.text }
            } ?? false
            var others = fields
            others.checklist = nil
            guard ticksOnly, others.isEmpty, current.assignees.contains(actor) else { throw .forbidden("board_role:editor") }
        }
        // Only what changes is recorded.
        if fields.title == current.title { fields.title = nil }
        if fields.description == current.description { fields.description = nil }
        if fields.assignees == current.assignees { fields.assignees = nil }
        if fields.deadline == current.deadline { fields.deadline = nil }
        if fields.priority == current.priority { fields.priority = nil }
        if fields.labels == current.labels { fields.labels = nil }
        if fields.checklist == current.checklist { fields.checklist = nil }
        if fields.attachments == current.attachments { fields.attachments = nil }
        if fields.cover == current.cover { fields.cover = nil }
        guard !fields.isEmpty else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .cardChanged(CardChanged(board: board, card: card, fields: fields)))])
    }
}

/// Moves a card to a stage, a lane, a place in the list (editors). Two moves decided at once
/// may give one key: the card ids order them, the same on every screen.
public struct MoveCard: Command {
    public var board: BoardID
    public var card: CardID
    public var stage: StageID
    /// nil: the card's own lane.
    public var lane: LaneID?
    public var placement: CardPlacement
    public var overLimit: Bool

    public init(board: BoardID, card: CardID, stage: StageID, lane: LaneID? = nil, placement: CardPlacement = .bottom,
                overLimit: Bool = false) {
        self.board = board
        self.card = card
        self.stage = stage
        self.lane = lane
        self.placement = placement
        self.overLimit = overLimit
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        let current = try state.card(card, on: found)
        guard !current.archived else { throw .conflict("card_archived") }
        guard found.stages[stage] != nil else { throw .notFound("stage") }
        let lane = lane ?? current.place.lane
        guard found.lanes[lane] != nil else { throw .notFound("lane") }
        if stage != current.place.stage { try state.requireRoomInStage(found, stage, confirmed: overLimit) }
        let key = try found.key(for: placement, stage: stage, lane: lane, moving: card)
        let place = CardPlace(stage: stage, lane: lane, key: key)
        guard place != current.place else { return Decision([]) }
        var events = [PendingEvent(Streams.board(board), .cardMoved(CardMoved(board: board, card: card, place: place, from: current.place)))]
        // The room hears of moves between stages, not of reordering within one.
        if stage != current.place.stage, let announced = state.announcement(found, card: card, title: current.title, .moved, stage: stage) {
            events.append(announced)
        }
        return Decision(events)
    }
}

/// Archives or restores a card (editors). A restored card goes back to the end of its list.
public struct ArchiveCard: Command {
    public var board: BoardID
    public var card: CardID
    public var archived: Bool

    public init(board: BoardID, card: CardID, archived: Bool) {
        self.board = board
        self.card = card
        self.archived = archived
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        let current = try state.card(card, on: found)
        guard current.archived != archived else { return Decision([]) }
        var events = [PendingEvent(Streams.board(board), .cardArchived(CardArchived(board: board, card: card, archived: archived)))]
        if !archived {
            let key = try found.key(for: .bottom, stage: current.place.stage, lane: current.place.lane, moving: card)
            let place = CardPlace(stage: current.place.stage, lane: current.place.lane, key: key)
            events.append(PendingEvent(Streams.board(board), .cardMoved(CardMoved(board: board, card: card, place: place, from: current.place))))
        } else if let announced = state.announcement(found, card: card, title: current.title, .archived, stage: current.place.stage) {
            events.append(announced)
        }
        return Decision(events)
    }
}

/// Deletes a card for good (editors); its history stays in the log.
public struct DeleteCard: Command {
    public var board: BoardID
    public var card: CardID

    public init(board: BoardID, card: CardID) {
        self.board = board
        self.card = card
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .editor)
        _ = try state.card(card, on: found)
        return Decision([PendingEvent(Streams.board(board), .cardDeleted(CardDeleted(board: board, card: card)))])
    }
}

/// Comments on a card (commenters); members named with @ are notified.
public struct CommentCard: Command {
    public var board: BoardID
    public var card: CardID
    public var comment: CommentID
    public var text: String

    public init(board: BoardID, card: CardID, comment: CommentID, text: String) {
        self.board = board
        self.card = card
        self.comment = comment
        self.text = text
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .commenter)
        _ = try state.card(card, on: found)
        let clean = try boardText(text, "comment", limit: BoardLimits.comment, multiline: true, required: true)
        return Decision([PendingEvent(Streams.board(board), .cardCommented(CardCommented(
            board: board, card: card, comment: comment, text: clean, mentions: state.mentionedBoardMembers(clean, found))))])
    }
}

/// Starts or stops watching a card (any member).
public struct WatchCard: Command {
    public var board: BoardID
    public var card: CardID
    public var watching: Bool

    public init(board: BoardID, card: CardID, watching: Bool) {
        self.board = board
        self.card = card
        self.watching = watching
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.board(board, actor, atLeast: .viewer, evenArchived: true)
        let current = try state.card(card, on: found)
        guard current.watchers.contains(actor) != watching else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .cardWatched(CardWatched(board: board, card: card, watching: watching)))])
    }
}

/// The server's reminder that a card's deadline nears (logged once per deadline, by `system`):
/// still due, not done, not archived, someone assigned, not reminded for this deadline.
public struct RemindCardDeadline: Command {
    public var board: BoardID
    public var card: CardID
    /// How long before the deadline the reminder fires.
    public var ahead: Int64

    public init(board: BoardID, card: CardID, ahead: Int64) {
        self.board = board
        self.card = card
        self.ahead = ahead
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard actor == .system else { throw .forbidden("system_only") }
        guard let found = state.boards[board], !found.archived, let current = found.cards[card] else { throw .notFound("card") }
        guard BoardsView.isDueForReminder(current, on: found, now: now, ahead: ahead) else { return Decision([]) }
        return Decision([PendingEvent(Streams.board(board), .cardDeadlineReminded(CardDeadlineReminded(
            board: board, card: card, deadline: current.deadline, assignees: current.assignees)))])
    }
}

extension BoardsView {
    /// Whether a card's reminder should fire now (the reminder job and its command agree).
    public static func isDueForReminder(_ card: Card, on board: Board, now: Int64, ahead: Int64) -> Bool {
        card.deadline > 0 && !card.archived && !card.assignees.isEmpty && card.remindedFor != card.deadline
            && card.deadline - ahead <= now && card.deadline > now - 86_400_000_000
            && !(board.stages[card.place.stage]?.spec.done ?? false)
    }

    /// Cards whose reminder should fire now, on boards not archived.
    public func dueForReminder(now: Int64, ahead: Int64) -> [(BoardID, CardID)] {
        var due: [(BoardID, CardID)] = []
        for board in boards.values where !board.archived {
            for card in board.cards.values where Self.isDueForReminder(card, on: board, now: now, ahead: ahead) {
                due.append((board.id, card.id))
            }
        }
        return due
    }
}
