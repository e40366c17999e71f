import EventStore
import Foundation
import Hummingbird
import Operations
import Projections
import Wire

/// Kanban boards over HTTP (docs/boards.md, docs/openapi.yaml "Boards"): the boards a user is
/// on, one board whole (or as it was at a date), and its settings, members, labels, stages and
/// lanes. Cards are in CardRoutes. Every change goes through the domain's commands, the rule the
/// web client and every integration share; live changes reach members as WebSocket events.
struct BoardRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    /// The default stages of a new board when the client names none.
    static let defaultStages: [(String, Bool)] = [("To do", false), ("In progress", false), ("Review", false), ("Done", true)]

    struct Summary: Encodable {
        var id: String
        var title: String
        var colour: String
        var deadline: Int64?
        var room: String?
        var archived: Bool
        var role: String?
        var members: Int
        var cards: Int
        /// Cards not archived and not in a done stage.
        var open: Int
        var overdue: Int
        var updated: Int64
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("boards") { request, _ in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["all"])
            let all = try Self.flag(query, "all")
            let now = kit.now
            return kit.json(["boards": core.withState { state -> [Summary] in
                let boards = all && state.isAdministrator(user) ? Array(state.boards.boards.values) : state.boards.boards(of: user)
                return boards.compactMap { board in
                    guard let role = state.boardRole(board, user) else { return nil }
                    return Self.summary(board, role: role, now: now)
                }.sorted { $0.title.localizedStandardCompare($1.title) == .orderedAscending }
            }])
        }
        api.post("boards") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Create.self, request)
            let board = BoardID(SecureRandom.identifier("b"))
            var members: [(UserID, BoardRole)] = []
            for member in body.members ?? [] {
                guard UserID.isWellFormed(member.user) else { throw APIError.notFound("user") }
                members.append((UserID(member.user), try BoardIDs.role(member.role)))
            }
            let stages = (body.stages?.map { ($0.name, $0.done ?? false) } ?? Self.defaultStages)
                .map { (id: StageID(SecureRandom.identifier("s")), name: $0.0, done: $0.1) }
            let room = try body.room.map { raw throws(APIError) -> RoomID in
                guard RoomID.isWellFormed(raw) else { throw APIError.notFound("room") }
                return RoomID(raw)
            }
            let settings = BoardSettings(title: body.title, description: body.description ?? "", colour: body.colour ?? "blue",
                                         deadline: body.deadline?.microseconds ?? 0, room: room, announce: body.announce ?? false)
            let position = try await core.execute(CreateBoard(
                board: board, settings: settings, stages: stages, lane: (LaneID(SecureRandom.identifier("l")), body.lane ?? ""),
                members: members), by: user)
            return kit.created(position: position, ["board": board.rawValue])
        }
        api.get("boards/{board}") { request, context in
            let (user, _) = try kit.caller(request)
            let board = try Self.boardID(kit, context)
            let query = try kit.query(request, allowing: ["archived", "asOf"])
            let archived = try Self.flag(query, "archived")
            let asOf = try Self.rejecting { () throws(Rejection) in try query.number("asOf", as: EpochMilliseconds.self) }
            guard let asOf else {
                let bytes = try core.withState { state throws(APIError) -> [UInt8] in
                    guard let found = state.boards[board], let role = state.boardRole(found, user) else {
                        throw Self.missing(state, user)
                    }
                    return BoardJSON.board(found, role: role, position: state.position, files: state.files, archived: archived)
                }
                return kit.json(bytes: bytes)
            }
            // As it was: its own stream folded up to that moment (the present rights decide who may look).
            let role = try core.withState { state throws(APIError) -> BoardRole in
                guard let found = state.boards[board], let role = state.boardRole(found, user) else { throw Self.missing(state, user) }
                return role
            }
            let (past, position) = try await BoardHistory(core: core).board(board, until: asOf.microseconds)
            guard let past else { throw APIError.notFound("board_then") }
            let files = core.withState { $0.files }
            return kit.json(bytes: BoardJSON.board(past, role: role, position: position, files: files, archived: archived,
                                                   asOf: asOf.microseconds))
        }
        api.patch("boards/{board}") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Change.self, request)
            let board = try Self.boardID(kit, context)
            var position: UInt64 = core.position
            let hasSettings = body.title != nil || body.description != nil || body.colour != nil || body.deadline != nil
                || body.clearDeadline != nil || body.room != nil || body.announce != nil
            if hasSettings {
                guard var settings = core.withState({ $0.boards[board]?.settings }) else {
                    throw core.withState { Self.missing($0, user) }
                }
                if let title = body.title { settings.title = title }
                if let description = body.description { settings.description = description }
                if let colour = body.colour { settings.colour = colour }
                if let deadline = body.deadline { settings.deadline = deadline.microseconds }
                if body.clearDeadline == true { settings.deadline = 0 }
                if let room = body.room {
                    guard room.isEmpty || RoomID.isWellFormed(room) else { throw APIError.notFound("room") }
                    settings.room = room.isEmpty ? nil : RoomID(room)
                }
                if let announce = body.announce { settings.announce = announce }
                position = try await core.execute(ChangeBoard(board: board, settings: settings), by: user)
            }
            if let archived = body.archived {
                position = try await core.execute(ArchiveBoard(board: board, archived: archived), by: user)
            }
            return kit.ok(position: position)
        }
        api.put("boards/{board}/members/{user}") { request, context in
            let (actor, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Role.self, request)
            let board = try Self.boardID(kit, context)
            let member = try Self.userID(kit, context)
            return kit.ok(position: try await core.execute(SetBoardMember(board: board, user: member, role: try BoardIDs.role(body.role)),
                                                           by: actor))
        }
        api.delete("boards/{board}/members/{user}") { request, context in
            let (actor, _) = try kit.caller(request)
            let board = try Self.boardID(kit, context)
            let member = try Self.userID(kit, context)
            return kit.ok(position: try await core.execute(SetBoardMember(board: board, user: member, role: nil), by: actor))
        }
        api.put("boards/{board}/labels") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Labels.self, request)
            let board = try Self.boardID(kit, context)
            let labels = try body.labels.map { label throws(APIError) -> BoardLabel in
                if let id = label.id, !LabelID.isWellFormed(id) { throw APIError.invalid("labels") }
                return BoardLabel(id: LabelID(label.id ?? SecureRandom.identifier("t")), name: label.name, colour: label.colour)
            }
            return kit.ok(position: try await core.execute(SetBoardLabels(board: board, labels: labels), by: user))
        }
        addStages(to: api)
        addLanes(to: api)
    }

    private func addStages(to api: RouterGroup<CauserieContext>) {
        api.post("boards/{board}/stages") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Stage.self, request)
            let board = try Self.boardID(kit, context)
            let stage = StageID(SecureRandom.identifier("s"))
            let position = try await core.execute(AddStage(
                board: board, stage: stage, name: body.name ?? "", wipLimit: body.wipLimit?.value ?? 0, done: body.done ?? false,
                placement: BoardIDs.listPlacement(body.after) ?? .end), by: user)
            return kit.created(position: position, ["stage": stage.rawValue])
        }
        api.patch("boards/{board}/stages/{stage}") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Stage.self, request)
            let board = try Self.boardID(kit, context)
            let stage = try BoardIDs.stage(try kit.parameter("stage", context))
            return kit.ok(position: try await core.execute(ChangeStage(
                board: board, stage: stage, name: body.name, wipLimit: body.wipLimit?.value, done: body.done,
                placement: BoardIDs.listPlacement(body.after)), by: user))
        }
        api.delete("boards/{board}/stages/{stage}") { request, context in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["cardsTo"])
            let board = try Self.boardID(kit, context)
            let stage = try BoardIDs.stage(try kit.parameter("stage", context))
            let target = try Self.rejecting { () throws(Rejection) in try query.string("cardsTo") }
            guard let target else { throw APIError.invalid("missing_field:cardsTo") }
            return kit.ok(position: try await core.execute(DeleteStage(
                board: board, stage: stage, cardsTo: try BoardIDs.stage(target, "cards_to")), by: user))
        }
    }

    private func addLanes(to api: RouterGroup<CauserieContext>) {
        api.post("boards/{board}/lanes") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Lane.self, request)
            let board = try Self.boardID(kit, context)
            let lane = LaneID(SecureRandom.identifier("l"))
            let position = try await core.execute(AddLane(
                board: board, lane: lane, name: body.name ?? "", placement: BoardIDs.listPlacement(body.after) ?? .end), by: user)
            return kit.created(position: position, ["lane": lane.rawValue])
        }
        api.patch("boards/{board}/lanes/{lane}") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Lane.self, request)
            let board = try Self.boardID(kit, context)
            let lane = try BoardIDs.lane(try kit.parameter("lane", context))
            return kit.ok(position: try await core.execute(ChangeLane(
                board: board, lane: lane, name: body.name, placement: BoardIDs.listPlacement(body.after)), by: user))
        }
        api.delete("boards/{board}/lanes/{lane}") { request, context in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["cardsTo"])
            let board = try Self.boardID(kit, context)
            let lane = try BoardIDs.lane(try kit.parameter("lane", context))
            let target = try Self.rejecting { () throws(Rejection) in try query.string("cardsTo") }
            guard let target else { throw APIError.invalid("missing_field:cardsTo") }
            return kit.ok(position: try await core.execute(DeleteLane(
                board: board, lane: lane, cardsTo: try BoardIDs.lane(target, "cards_to")), by: user))
        }
    }

    // MARK: Helpers

    static func summary(_ board: BoardsView.Board, role: BoardRole, now: Int64) -> Summary {
        var open = 0
        var overdue = 0
        for card in board.cards.values where !card.archived && !(board.stages[card.place.stage]?.spec.done ?? false) {
            open += 1
            if card.deadline > 0 && card.deadline < now { overdue += 1 }
        }
        return Summary(id: board.id.rawValue, title: board.settings.title, colour: board.settings.colour,
                       deadline: BoardJSON.ms(board.settings.deadline), room: board.settings.room?.rawValue, archived: board.archived,
                       role: role.name, members: board.members.count, cards: board.cards.values.count { !$0.archived }, open: open,
                       overdue: overdue, updated: board.updated / 1000)
    }

    static func boardID(_ kit: HTTPKit, _ context: CauserieContext) throws(APIError) -> BoardID {
        let raw = try kit.parameter("board", context)
        guard BoardID.isWellFormed(raw) else { throw APIError.notFound("board") }
        return BoardID(raw)
    }

    static func userID(_ kit: HTTPKit, _ context: CauserieContext) throws(APIError) -> UserID {
        let raw = try kit.parameter("user", context)
        guard UserID.isWellFormed(raw) else { throw APIError.notFound("user") }
        return UserID(raw)
    }

    /// What a caller who may not see a board is told: the same as for one that does not exist,
    /// unless they lack the Kanban right altogether.
    static func missing(_ state: borrowing ChatState, _ user: UserID) -> APIError {
        let rights = state.permissions(of: user)
        if !rights.contains(.kanban) && !rights.contains(.administer) { return APIError(Rejection.forbidden("missing_permission:kanban")) }
        return APIError.notFound("board")
    }

    static func flag(_ query: Query, _ name: String) throws(APIError) -> Bool {
        switch try rejecting({ () throws(Rejection) in try query.string(name) }) {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default: throw APIError.invalid("wrong_type:\(name)")
        }
    }

    static func rejecting<T>(_ body: () throws(Rejection) -> T) throws(APIError) -> T {
        do throws(Rejection) {
            return try body()
        } catch {
            throw APIError(error)
        }
    }
}
