import Foundation
import Hummingbird
import Operations
import Projections
import Wire

/// Cards over HTTP: create (a monitoring alert becomes a card), read with comments, change,
/// move, archive, delete, comment, watch, read its activity from the log; and "my cards" across
/// boards. docs/boards.md; docs/openapi.yaml "Boards".
struct CardRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    func add(to api: RouterGroup<CauserieContext>) {
        api.post("boards/{board}/cards") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Card.self, request)
            let board = try BoardRoutes.boardID(kit, context)
            guard let stage = body.stage else { throw APIError.invalid("missing_field:stage") }
            let card = CardID(SecureRandom.identifier("k"))
            let position = try await core.execute(CreateCard(
                board: board, card: card, stage: try BoardIDs.stage(stage), lane: try body.lane.map { raw throws(APIError) in try BoardIDs.lane(raw) },
                placement: try body.placement(), fields: try body.fields(), overLimit: body.overLimit ?? false), by: user)
            return kit.created(position: position, ["card": card.rawValue])
        }
        api.get("boards/{board}/cards/{card}") { request, context in
            let (user, _) = try kit.caller(request)
            let (board, card) = try Self.ids(kit, context)
            return kit.json(bytes: try core.withState { state throws(APIError) -> [UInt8] in
                guard let found = state.boards[board], state.boardRole(found, user) != nil else { throw BoardRoutes.missing(state, user) }
                guard let current = found.cards[card] else { throw APIError.notFound("card") }
                var json = JSONWriter()
                json.beginObject()
                json.field("board", board.rawValue)
                BoardJSON.card(current, files: state.files, into: &json)
                json.beginArray("commentList")
                for comment in current.comments {
                    json.beginObject()
                    json.field("id", comment.id.rawValue)
                    json.field("author", comment.author.rawValue)
                    json.field("time", comment.time / 1000)
                    json.field("position", comment.position)
                    json.field("text", comment.text)
                    json.field("mentions", strings: comment.mentions.map(\.rawValue))
                    json.endObject()
                }
                json.endArray()
                json.endObject()
                return json.bytes
            })
        }
        api.patch("boards/{board}/cards/{card}") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Card.self, request)
            let (board, card) = try Self.ids(kit, context)
            guard body.stage == nil, body.lane == nil, body.after == nil, body.before == nil, body.position == nil, body.key == nil else {
                throw APIError.invalid("use_move")
            }
            var position = core.position
            // Restoring comes before the edit (an archived card cannot be edited), archiving after.
            if body.archived == false { position = try await core.execute(ArchiveCard(board: board, card: card, archived: false), by: user) }
            let fields = try body.fields()
            if !fields.isEmpty { position = try await core.execute(ChangeCard(board: board, card: card, fields: fields), by: user) }
            if body.archived == true { position = try await core.execute(ArchiveCard(board: board, card: card, archived: true), by: user) }
            return kit.ok(position: position)
        }
        api.post("boards/{board}/cards/{card}/move") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Card.self, request)
            let (board, card) = try Self.ids(kit, context)
            guard let stage = body.stage else { throw APIError.invalid("missing_field:stage") }
            return kit.ok(position: try await core.execute(MoveCard(
                board: board, card: card, stage: try BoardIDs.stage(stage), lane: try body.lane.map { raw throws(APIError) in try BoardIDs.lane(raw) },
                placement: try body.placement(), overLimit: body.overLimit ?? false), by: user))
        }
        api.delete("boards/{board}/cards/{card}") { request, context in
            let (user, _) = try kit.caller(request)
            let (board, card) = try Self.ids(kit, context)
            return kit.ok(position: try await core.execute(DeleteCard(board: board, card: card), by: user))
        }
        api.post("boards/{board}/cards/{card}/comments") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Comment.self, request)
            let (board, card) = try Self.ids(kit, context)
            let comment = CommentID(SecureRandom.identifier("m"))
            let position = try await core.execute(CommentCard(board: board, card: card, comment: comment, text: body.text), by: user)
            return kit.created(position: position, ["comment": comment.rawValue])
        }
        api.put("boards/{board}/cards/{card}/watch") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(BoardBodies.Watch.self, request)
            let (board, card) = try Self.ids(kit, context)
            return kit.ok(position: try await core.execute(WatchCard(board: board, card: card, watching: body.watching), by: user))
        }
        api.get("boards/{board}/cards/{card}/activity") { request, context in
            let (user, _) = try kit.caller(request)
            let (board, card) = try Self.ids(kit, context)
            if let refusal = core.withState({ state -> APIError? in
                guard let found = state.boards[board], state.boardRole(found, user) != nil else { return BoardRoutes.missing(state, user) }
                return nil
            }) {
                throw refusal
            }
            let events = try await BoardHistory(core: core).activity(board, card: card)
            guard !events.isEmpty else { throw APIError.notFound("card") }
            var json = JSONWriter()
            json.beginObject()
            json.beginArray("activity")
            for stored in events {
                json.beginObject()
                json.field("position", stored.position)
                json.field("time", stored.timestamp / 1000)
                json.field("actor", stored.actor.rawValue)
                _ = BoardJSON.body(stored, into: &json)
                json.endObject()
            }
            json.endArray()
            json.endObject()
            return kit.json(bytes: json.bytes)
        }
        api.get("me/cards") { request, _ in
            let (user, _) = try kit.caller(request)
            return kit.json(bytes: core.withState { state -> [UInt8] in
                var json = JSONWriter()
                json.beginObject()
                json.beginArray("cards")
                for board in state.boards.boards(of: user) where !board.archived && state.boardRole(board, user) != nil {
                    for card in board.cards.values.sorted(by: BoardsView.Card.inOrder) where !card.archived && card.assignees.contains(user) {
                        json.beginObject()
                        json.field("board", board.id.rawValue)
                        json.field("boardTitle", board.settings.title)
                        json.field("stageName", board.stages[card.place.stage]?.spec.name ?? "")
                        json.field("done", board.stages[card.place.stage]?.spec.done ?? false)
                        BoardJSON.card(card, files: nil, into: &json)
                        json.endObject()
                    }
                }
                json.endArray()
                json.endObject()
                return json.bytes
            })
        }
    }

    static func ids(_ kit: HTTPKit, _ context: CauserieContext) throws(APIError) -> (BoardID, CardID) {
        let board = try BoardRoutes.boardID(kit, context)
        let raw = try kit.parameter("card", context)
        guard CardID.isWellFormed(raw) else { throw APIError.notFound("card") }
        return (board, CardID(raw))
    }
}
