public import Foundation
import Projections

extension Replay {
    public struct BoardCard: Codable, Sendable {
        public var card: String
        public var title: String
        public var lane: String
        public var assignees: [String]
        public var deadline: String?
        public var priority: String
        public var labels: [String]
        public var checklist: String?
    }

    public struct BoardStage: Codable, Sendable {
        public var stage: String
        public var name: String
        public var done: Bool
        public var wipLimit: Int
        public var cards: [BoardCard]
    }

    public struct BoardReport: Codable, Sendable {
        public var position: UInt64
        public var time: String?
        public var board: String
        public var title: String
        public var archived: Bool
        public var members: [Member]
        public var lanes: [String]
        public var stages: [BoardStage]
        public var archivedCards: Int
    }

    /// A Kanban board (by id or title) as it stood: who was on it, and every card in every stage,
    /// in order — "what did the board look like the day before the release?".
    public func board(_ idOrTitle: String, timeZone: TimeZone = .current) throws -> BoardReport {
        let found = state.boards[BoardID(idOrTitle)]
            ?? state.boards.boards.values.filter { $0.settings.title == idOrTitle }.min { $0.created < $1.created }
        guard let board = found else { throw OperationError.refused("no board \(idOrTitle) at position \(position)") }
        func name(_ user: UserID) -> String { state.accounts[user]?.username ?? user.rawValue }
        let lanes = board.orderedLanes
        let stages = board.orderedStages.map { stage in
            BoardStage(stage: stage.id.rawValue, name: stage.spec.name, done: stage.spec.done, wipLimit: stage.spec.wipLimit,
                       cards: lanes.flatMap { lane in
                           board.cards(in: stage.id, lane: lane.id).map { card in
                               BoardCard(card: card.id.rawValue, title: card.title, lane: lane.spec.name, assignees: card.assignees.map(name),
                                         deadline: card.deadline == 0 ? nil
                                             : ISO8601.format(Date(timeIntervalSince1970: Double(card.deadline) / 1e6), timeZone: timeZone),
                                         priority: card.priority.name,
                                         labels: card.labels.compactMap { id in board.labels.first { $0.id == id }?.name },
                                         checklist: card.checklist.isEmpty ? nil
                                             : "\(card.checklist.count { $0.done })/\(card.checklist.count)")
                           }
                       })
        }
        let members = board.members.sorted { name($0.key) < name($1.key) }.map {
            Member(user: $0.key.rawValue, username: name($0.key), role: $0.value.name, mutedUntil: nil)
        }
        return BoardReport(position: position, time: timeText(timeZone), board: board.id.rawValue, title: board.settings.title,
                           archived: board.archived, members: members, lanes: lanes.map(\.spec.name), stages: stages,
                           archivedCards: board.cards.values.count { $0.archived })
    }
}
