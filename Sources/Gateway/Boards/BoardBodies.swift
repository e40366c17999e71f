import Projections
import Wire

/// What the board routes read (docs/openapi.yaml, "Boards"). Numbers are checked types; absent
/// fields change nothing; a `deadline` of null or 0 clears it.
enum BoardBodies {
    struct StageName: Decodable {
        var name: String
        var done: Bool?
    }

    struct Member: Decodable {
        var user: String
        var role: String
    }

    struct Create: Decodable {
        var title: String
        var description: String?
        var colour: String?
        var deadline: EpochMilliseconds?
        var room: String?
        var announce: Bool?
        /// The stages, left to right; by default the four of docs/boards.md, named in English
        /// (the web client sends them in its user's language).
        var stages: [StageName]?
        /// The first lane's name ("" by default: a board with one lane shows no lane header).
        var lane: String?
        var members: [Member]?
    }

    struct Change: Decodable {
        var title: String?
        var description: String?
        var colour: String?
        var deadline: EpochMilliseconds?
        var clearDeadline: Bool?
        var room: String?
        var announce: Bool?
        var archived: Bool?
    }

    struct Role: Decodable {
        var role: String
    }

    struct Label: Decodable {
        var id: String?
        var name: String
        var colour: String
    }

    struct Labels: Decodable {
        var labels: [Label]
    }

    /// A stage added or changed. `after`: the stage it follows ("" for first).
    struct Stage: Decodable {
        var name: String?
        var wipLimit: WipLimit?
        var done: Bool?
        var after: String?
    }

    struct Lane: Decodable {
        var name: String?
        var after: String?
    }

    struct ChecklistItem: Decodable {
        var text: String
        var done: Bool?
    }

    struct Attachment: Decodable {
        var file: String?
        var url: String?
        var title: String?
    }

    /// A card's fields and, when it is created or moved, its place.
    struct Card: Decodable {
        var title: String?
        var description: String?
        var assignees: [String]?
        var deadline: EpochMilliseconds?
        var clearDeadline: Bool?
        var priority: String?
        var labels: [String]?
        var checklist: [ChecklistItem]?
        var attachments: [Attachment]?
        var cover: String?
        var archived: Bool?
        // The place (create, move).
        var stage: String?
        var lane: String?
        var after: String?
        var before: String?
        /// "top" or "bottom" (the default).
        var position: String?
        var key: String?
        /// The user confirmed going past the stage's WIP limit.
        var overLimit: Bool?
    }

    struct Comment: Decodable {
        var text: String
    }

    struct Watch: Decodable {
        var watching: Bool
    }
}

extension BoardBodies.Card {
    func fields() throws(APIError) -> Projections.CardFields {
        var priorityValue: CardPriority?
        if let priority {
            guard let value = CardPriority(name: priority) else { throw APIError.invalid("priority") }
            priorityValue = value
        }
        var items: [Projections.ChecklistItem]?
        if let checklist { items = checklist.map { Projections.ChecklistItem(text: $0.text, done: $0.done ?? false) } }
        var files: [CardAttachment]?
        if let attachments {
            var list: [CardAttachment] = []
            for attachment in attachments {
                if let file = attachment.file, attachment.url == nil {
                    guard FileID.isWellFormed(file) else { throw APIError.notFound("file") }
                    list.append(.file(FileID(file)))
                } else if let url = attachment.url, attachment.file == nil {
                    list.append(.link(url: url, title: attachment.title ?? ""))
                } else {
                    throw APIError.invalid("attachment")
                }
            }
            files = list
        }
        return CardFields(
            title: title, description: description, assignees: try assignees.map(BoardIDs.users),
            deadline: clearDeadline == true ? 0 : deadline?.microseconds, priority: priorityValue,
            labels: labels.map { $0.map { LabelID($0) } }, checklist: items, attachments: files, cover: cover)
    }

    /// The place asked for: a key, after or before a card, or the top or bottom of the list.
    func placement() throws(APIError) -> CardPlacement {
        let given = [key != nil, after != nil, before != nil, position != nil].filter { $0 }.count
        guard given <= 1 else { throw APIError.invalid("placement") }
        if let key {
            guard let checked = OrderKey(key) else { throw APIError.invalid("key") }
            return .key(checked)
        }
        if let after { return .after(try BoardIDs.card(after)) }
        if let before { return .before(try BoardIDs.card(before)) }
        switch position ?? "bottom" {
        case "top": return .top
        case "bottom": return .bottom
        default: throw APIError.invalid("position")
        }
    }
}

/// Ids from outside, checked as ids (an id that is not one is unknown: 404).
enum BoardIDs {
    static func users(_ raw: [String]) throws(APIError) -> [UserID] {
        var users: [UserID] = []
        for user in raw {
            guard UserID.isWellFormed(user) else { throw APIError.invalid("assignee_not_member") }
            users.append(UserID(user))
        }
        return users
    }

    static func card(_ raw: String) throws(APIError) -> CardID {
        guard CardID.isWellFormed(raw) else { throw APIError.notFound("neighbour") }
        return CardID(raw)
    }

    static func stage(_ raw: String, _ reason: String = "stage") throws(APIError) -> StageID {
        guard StageID.isWellFormed(raw) else { throw APIError.notFound(reason) }
        return StageID(raw)
    }

    static func lane(_ raw: String, _ reason: String = "lane") throws(APIError) -> LaneID {
        guard LaneID.isWellFormed(raw) else { throw APIError.notFound(reason) }
        return LaneID(raw)
    }

    static func role(_ raw: String) throws(APIError) -> BoardRole {
        guard let role = BoardRole(name: raw) else { throw APIError.invalid("role") }
        return role
    }

    /// `after` for a stage or lane: "" is first.
    static func listPlacement(_ after: String?) -> ListPlacement? {
        after.map { $0.isEmpty ? .after(nil) : .after($0) }
    }
}
