import Operations
import Projections

/// Boards as clients read them (docs/boards.md, "JSON"): a whole board for `GET boards/{id}`, a
/// card, and the event frames that change them live. Written with `JSONWriter`: a board of 10,000
/// cards is one pass over them, no intermediate objects.
enum BoardJSON {
    static func ms(_ microseconds: Int64) -> Int64? { microseconds == 0 ? nil : microseconds / 1000 }

    // MARK: Events

    /// The fields of a board event's frame (after `kind`); false if it is not one.
    static func body(_ stored: StoredEvent, into json: inout JSONWriter) -> Bool {
        switch stored.event {
        case .boardCreated(let e):
            json.field("kind", "board.created")
            json.field("board", e.board.rawValue)
            settings(e.settings, into: &json)
        case .boardChanged(let e):
            json.field("kind", "board.changed")
            json.field("board", e.board.rawValue)
            settings(e.settings, into: &json)
        case .boardArchived(let e):
            json.field("kind", "board.archived")
            json.field("board", e.board.rawValue)
            json.field("archived", e.archived)
        case .boardMemberChanged(let e):
            json.field("kind", "board.member")
            json.field("board", e.board.rawValue)
            json.field("user", e.user.rawValue)
            json.field("role", e.role?.name)
        case .boardLabelsChanged(let e):
            json.field("kind", "board.labels")
            json.field("board", e.board.rawValue)
            labels(e.labels, into: &json)
        case .stageAdded(let e):
            json.field("kind", "stage.added")
            json.field("board", e.board.rawValue)
            stage(e.stage, key: "stage", into: &json)
        case .stageChanged(let e):
            json.field("kind", "stage.changed")
            json.field("board", e.board.rawValue)
            stage(e.stage, key: "stage", into: &json)
        case .stageDeleted(let e):
            json.field("kind", "stage.deleted")
            json.field("board", e.board.rawValue)
            json.field("stage", e.stage.rawValue)
            json.field("cardsTo", e.cardsTo.rawValue)
        case .laneAdded(let e):
            json.field("kind", "lane.added")
            json.field("board", e.board.rawValue)
            lane(e.lane, key: "lane", into: &json)
        case .laneChanged(let e):
            json.field("kind", "lane.changed")
            json.field("board", e.board.rawValue)
            lane(e.lane, key: "lane", into: &json)
        case .laneDeleted(let e):
            json.field("kind", "lane.deleted")
            json.field("board", e.board.rawValue)
            json.field("lane", e.lane.rawValue)
            json.field("cardsTo", e.cardsTo.rawValue)
        case .cardCreated(let e):
            json.field("kind", "card.created")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            place(e.place, into: &json)
            fields(e.fields, into: &json)
        case .cardChanged(let e):
            json.field("kind", "card.changed")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            fields(e.fields, into: &json)
        case .cardMoved(let e):
            json.field("kind", "card.moved")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            place(e.place, into: &json)
            json.field("fromStage", e.from.stage.rawValue)
            json.field("fromLane", e.from.lane.rawValue)
        case .cardArchived(let e):
            json.field("kind", "card.archived")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            json.field("archived", e.archived)
        case .cardDeleted(let e):
            json.field("kind", "card.deleted")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
        case .cardCommented(let e):
            json.field("kind", "card.commented")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            json.field("comment", e.comment.rawValue)
            json.field("text", e.text)
            json.field("mentions", strings: e.mentions.map(\.rawValue))
        case .cardWatched(let e):
            json.field("kind", "card.watched")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            json.field("watching", e.watching)
        case .boardActivityAnnounced(let e):
            json.field("kind", "board.activity")
            json.field("room", stored.room?.rawValue)
            json.field("board", e.board.rawValue)
            json.field("boardTitle", e.boardTitle)
            json.field("card", e.card.rawValue)
            json.field("cardTitle", e.cardTitle)
            json.field("activity", e.activity.name)
            json.field("stage", e.stage)
        case .cardDeadlineReminded(let e):
            json.field("kind", "card.reminder")
            json.field("board", e.board.rawValue)
            json.field("card", e.card.rawValue)
            json.field("deadline", e.deadline / 1000)
            json.field("assignees", strings: e.assignees.map(\.rawValue))
        default:
            return false
        }
        return true
    }

    static func settings(_ s: BoardSettings, into json: inout JSONWriter) {
        json.field("title", s.title)
        json.field("description", s.description)
        json.field("colour", s.colour)
        json.field("deadline", ms(s.deadline).map { UInt64(max(0, $0)) })
        json.field("room", s.room?.rawValue)
        json.field("announce", s.announce)
    }

    static func labels(_ labels: [BoardLabel], into json: inout JSONWriter) {
        json.beginArray("labels")
        for label in labels {
            json.beginObject()
            json.field("id", label.id.rawValue)
            json.field("name", label.name)
            json.field("colour", label.colour)
            json.endObject()
        }
        json.endArray()
    }

    static func stage(_ s: StageSpec, key: String?, into json: inout JSONWriter) {
        json.beginObject(key)
        json.field("id", s.id.rawValue)
        json.field("name", s.name)
        json.field("key", s.key.rawValue)
        json.field("wipLimit", s.wipLimit)
        json.field("done", s.done)
        json.endObject()
    }

    static func lane(_ l: LaneSpec, key: String?, into json: inout JSONWriter) {
        json.beginObject(key)
        json.field("id", l.id.rawValue)
        json.field("name", l.name)
        json.field("key", l.key.rawValue)
        json.endObject()
    }

    static func place(_ p: CardPlace, into json: inout JSONWriter) {
        json.field("stage", p.stage.rawValue)
        json.field("lane", p.lane.rawValue)
        json.field("key", p.key.rawValue)
    }

    /// The fields present (a change names only those).
    static func fields(_ f: CardFields, files: FilesView? = nil, into json: inout JSONWriter) {
        if let title = f.title { json.field("title", title) }
        if let description = f.description { json.field("description", description) }
        if let assignees = f.assignees { json.field("assignees", strings: assignees.map(\.rawValue)) }
        if let deadline = f.deadline { json.field("deadline", ms(deadline).map { UInt64(max(0, $0)) }) }
        if let priority = f.priority { json.field("priority", priority.name) }
        if let labels = f.labels { json.field("labels", strings: labels.map(\.rawValue)) }
        if let checklist = f.checklist {
            json.beginArray("checklist")
            for item in checklist {
                json.beginObject()
                json.field("text", item.text)
                json.field("done", item.done)
                json.endObject()
            }
            json.endArray()
        }
        if let attachments = f.attachments { self.attachments(attachments, files: files, into: &json) }
        if let cover = f.cover { json.field("cover", cover) }
    }

    static func attachments(_ attachments: [CardAttachment], files: FilesView?, into json: inout JSONWriter) {
        json.beginArray("attachments")
        for attachment in attachments {
            json.beginObject()
            switch attachment {
            case .file(let id):
                json.field("file", id.rawValue)
                if let file = files?[id] {
                    json.field("name", file.name)
                    json.field("size", file.blob.size)
                    json.field("mediaType", file.blob.mediaType)
                }
            case .link(let url, let title):
                json.field("url", url)
                json.field("title", title)
            }
            json.endObject()
        }
        json.endArray()
    }

    // MARK: Snapshots

    /// A whole board: settings, members, labels, stages and lanes in order, and its cards
    /// (archived ones only if asked), each without its comments (their count only).
    static func board(_ board: BoardsView.Board, role: BoardRole?, position: UInt64, files: FilesView?, archived: Bool,
                      asOf: Int64? = nil) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("id", board.id.rawValue)
        settings(board.settings, into: &json)
        json.field("archived", board.archived)
        json.field("role", role?.name)
        json.field("createdBy", board.createdBy.rawValue)
        json.field("created", board.created / 1000)
        json.field("updated", board.updated / 1000)
        json.field("position", position)
        json.field("asOf", asOf.map { UInt64(max(0, $0 / 1000)) })
        json.beginArray("members")
        for (user, memberRole) in board.members.sorted(by: { $0.key < $1.key }) {
            json.beginObject()
            json.field("user", user.rawValue)
            json.field("role", memberRole.name)
            json.endObject()
        }
        json.endArray()
        labels(board.labels, into: &json)
        json.beginArray("stages")
        for stage in board.orderedStages { self.stage(stage.spec, key: nil, into: &json) }
        json.endArray()
        json.beginArray("lanes")
        for lane in board.orderedLanes { self.lane(lane.spec, key: nil, into: &json) }
        json.endArray()
        json.beginArray("cards")
        for card in board.cards.values.sorted(by: BoardsView.Card.inOrder) where archived || !card.archived {
            json.beginObject()
            self.card(card, files: files, compact: true, into: &json)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// A card's fields (inside an object the caller opened). `compact` (a whole board's cards)
    /// leaves out what has its default value — empty text and lists, no deadline, priority
    /// `none`, not archived, no comments — which halves a board of 10,000 cards (docs/boards.md).
    static func card(_ card: BoardsView.Card, files: FilesView?, compact: Bool = false, into json: inout JSONWriter) {
        json.field("id", card.id.rawValue)
        place(card.place, into: &json)
        var fields = CardFields(title: card.title, description: card.description, assignees: card.assignees, deadline: card.deadline,
                                priority: card.priority, labels: card.labels, checklist: card.checklist, attachments: card.attachments,
                                cover: card.cover)
        if compact {
            if card.description.isEmpty { fields.description = nil }
            if card.assignees.isEmpty { fields.assignees = nil }
            if card.deadline == 0 { fields.deadline = nil }
            if card.priority == .none { fields.priority = nil }
            if card.labels.isEmpty { fields.labels = nil }
            if card.checklist.isEmpty { fields.checklist = nil }
            if card.attachments.isEmpty { fields.attachments = nil }
            if card.cover.isEmpty { fields.cover = nil }
        }
        self.fields(fields, files: files, into: &json)
        if !compact || card.archived { json.field("archived", card.archived) }
        if !compact || !card.watchers.isEmpty { json.field("watchers", strings: card.watchers.sorted().map(\.rawValue)) }
        json.field("createdBy", card.createdBy.rawValue)
        json.field("created", card.created / 1000)
        json.field("updated", card.updated / 1000)
        if !compact || !card.comments.isEmpty { json.field("comments", card.comments.count) }
    }
}
