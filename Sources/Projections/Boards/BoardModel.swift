/// The parts of a Kanban board (docs/boards.md): identifiers, roles, and the values cards hold.

public struct BoardID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

public struct StageID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

public struct LaneID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

public struct CardID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

public struct LabelID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

public struct CommentID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

extension Streams {
    /// Every event of a board (its cards' too): its history, its audience, its replay.
    public static func board(_ board: BoardID) -> String { "board:\(board.rawValue)" }
}

/// What a member may do on one board, on top of the server-wide `kanban` right (MyChat's list of
/// Kanban rights is the checklist: docs/boards.md maps each to a role).
public enum BoardRole: UInt8, Comparable, Sendable, CaseIterable, BinaryCodable {
    /// Sees the board, its cards and their history.
    case viewer = 0
    /// Also comments, watches cards, ticks checklist items of cards assigned to them.
    case commenter = 1
    /// Also creates, edits, moves, archives and deletes cards; stages, lanes and labels.
    case editor = 2
    /// Also changes the board itself, its members, archives and restores it.
    case owner = 3

    public static func < (lhs: BoardRole, rhs: BoardRole) -> Bool { lhs.rawValue < rhs.rawValue }

    public var name: String {
        switch self {
        case .viewer: "viewer"
        case .commenter: "commenter"
        case .editor: "editor"
        case .owner: "owner"
        }
    }

    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = role
    }

    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        guard let role = BoardRole(rawValue: try reader.read()) else { throw BinaryReader.Malformed(offset: -1) }
        self = role
    }
}

public enum CardPriority: UInt8, Comparable, Sendable, CaseIterable, BinaryCodable {
    case none = 0, low, normal, high, urgent

    public static func < (lhs: CardPriority, rhs: CardPriority) -> Bool { lhs.rawValue < rhs.rawValue }

    public var name: String {
        switch self {
        case .none: "none"
        case .low: "low"
        case .normal: "normal"
        case .high: "high"
        case .urgent: "urgent"
        }
    }

    public init?(name: String) {
        guard let priority = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = priority
    }

    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        guard let priority = CardPriority(rawValue: try reader.read()) else { throw BinaryReader.Malformed(offset: -1) }
        self = priority
    }
}

/// The colours a board, a label or a card's cover may take: names, so each client draws them in
/// its own palette (light and dark).
public enum BoardColours {
    public static let names: Set<String> = [
        "grey", "red", "orange", "yellow", "green", "teal", "blue", "indigo", "purple", "pink", "brown",
    ]
}

/// A label of a board: cards name it by id, so renaming or recolouring it changes every card.
public struct BoardLabel: Hashable, Sendable, BinaryCodable {
    public var id: LabelID
    public var name: String
    public var colour: String

    public init(id: LabelID, name: String, colour: String) {
        self.id = id
        self.name = name
        self.colour = colour
    }
    public func encode(to w: inout BinaryWriter) { w.write(id); w.write(name); w.write(colour) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        id = try r.read(); name = try r.read(); colour = try r.read()
    }
}

public struct ChecklistItem: Hashable, Sendable, BinaryCodable {
    public var text: String
    public var done: Bool

    public init(text: String, done: Bool) {
        self.text = text
        self.done = done
    }
    public func encode(to w: inout BinaryWriter) { w.write(text); w.write(done) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { text = try r.read(); done = try r.read() }
}

/// A card's attachment: a file of the board's file area, or a link.
public enum CardAttachment: Hashable, Sendable, BinaryCodable {
    case file(FileID)
    case link(url: String, title: String)

    public func encode(to w: inout BinaryWriter) {
        switch self {
        case .file(let file): w.write(UInt8(0)); w.write(file)
        case .link(let url, let title): w.write(UInt8(1)); w.write(url); w.write(title)
        }
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        switch try r.read() as UInt8 {
        case 0: self = .file(try r.read())
        case 1: self = .link(url: try r.read(), title: try r.read())
        default: throw BinaryReader.Malformed(offset: -1)
        }
    }
}

/// Sizes on boards (docs/boards.md lists them; the gateway answers 413 past them).
public enum BoardLimits {
    public static let title = 200
    public static let description = 20_000
    public static let cardTitle = 500
    public static let comment = 10_000
    public static let stageName = 100
    public static let labels = 100
    public static let labelName = 50
    public static let stages = 50
    public static let lanes = 50
    public static let cardsPerBoard = 100_000
    public static let assignees = 50
    public static let checklistItems = 200
    public static let checklistItem = 500
    public static let attachments = 100
    public static let url = 2_048
    public static let members = 10_000
    public static let wipLimit = 10_000
}

extension BoardID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension StageID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension LaneID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension CardID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension LabelID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension CommentID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
