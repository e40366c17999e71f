import Foundation
import Gateway
import Testing

/// Kanban boards end to end: the HTTP API over a real socket, live moves over real WebSockets,
/// rights through every route, a board as it was at a date, card activity from the log.
@Suite("Boards over HTTP and WebSocket")
struct BoardsTests {
    struct Office {
        let server: TestServer
        let alice: (user: String, token: String)
        let bob: (user: String, token: String)
        let carol: (user: String, token: String)
        let erin: (user: String, token: String)
        let board: String
        let stages: [String]
        let lane: String

        func http(_ method: String, _ path: String, _ who: (user: String, token: String), _ body: [String: any Sendable]? = nil)
            async throws -> TestServer.HTTPResult
        {
            try await server.http(method, "/api/v1" + path, token: who.token, body: body.map { jsonText($0) })
        }
    }

    /// alice owns a board; bob edits, carol views; erin is not on it.
    static func office() async throws -> Office {
        let server = try await TestServer.start()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let erin = try await server.register("erin")
        let created = try await server.http("POST", "/api/v1/boards", token: alice.token, body: jsonText([
            "title": "Office move", "colour": "green",
            "members": [["user": bob.user, "role": "editor"], ["user": carol.user, "role": "viewer"]],
        ]))
        #expect(created.status == 201)
        let board = try #require(created.body["board"]?.string)
        let read = try await server.http("GET", "/api/v1/boards/\(board)", token: alice.token)
        let stages = read.body["stages"]!.array.compactMap { $0["id"]?.string }
        #expect(read.body["stages"]!.array.compactMap { $0["name"]?.string } == ["To do", "In progress", "Review", "Done"])
        let lane = try #require(read.body["lanes"]?[0]?["id"]?.string)
        return Office(server: server, alice: alice, bob: bob, carol: carol, erin: erin, board: board, stages: stages, lane: lane)
    }

    @Test func twoPeopleSeeEachOthersMovesLive() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        let watcher = try await office.server.client(office.carol.token)
        let made = try await office.http("POST", "/boards/\(office.board)/cards", office.bob, [
            "stage": office.stages[0], "title": "Pack the printer", "assignees": [office.alice.user], "priority": "high",
        ])
        #expect(made.status == 201)
        let card = try #require(made.body["card"]?.string)
        let created = try await watcher.event { $0["kind"]?.string == "card.created" }
        #expect(created["title"]?.string == "Pack the printer")
        #expect(created["board"]?.string == office.board)
        let moved = try await office.http("POST", "/boards/\(office.board)/cards/\(card)/move", office.bob,
                                          ["stage": office.stages[1], "position": "top"])
        #expect(moved.status == 200)
        let event = try await watcher.event { $0["kind"]?.string == "card.moved" }
        #expect(event["card"]?.string == card)
        #expect(event["stage"]?.string == office.stages[1])
        #expect(event["fromStage"]?.string == office.stages[0])
        // Someone not on the board hears nothing of it.
        let outsider = try await office.server.client(office.erin.token)
        _ = try await office.http("PATCH", "/boards/\(office.board)/cards/\(card)", office.bob, ["title": "Pack the printers"])
        _ = try await watcher.event { $0["kind"]?.string == "card.changed" }
        #expect(await outsider.events().allSatisfy { $0["board"] == nil })
        await watcher.close()
        await outsider.close()
        await office.server.stop()
    }

    @Test func rightsHoldOnEveryRoute() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        let board = office.board
        let made = try await office.http("POST", "/boards/\(board)/cards", office.bob, ["stage": office.stages[0], "title": "Card"])
        let card = try #require(made.body["card"]?.string)
        // A viewer reads but changes nothing.
        #expect(try await office.http("GET", "/boards/\(board)", office.carol).status == 200)
        for (method, path, body) in [
            ("POST", "/boards/\(board)/cards", ["stage": office.stages[0], "title": "x"]),
            ("PATCH", "/boards/\(board)/cards/\(card)", ["title": "x"]),
            ("POST", "/boards/\(board)/cards/\(card)/move", ["stage": office.stages[1]]),
            ("DELETE", "/boards/\(board)/cards/\(card)", nil),
            ("POST", "/boards/\(board)/stages", ["name": "x"]),
            ("POST", "/boards/\(board)/cards/\(card)/comments", ["text": "x"]),
            ("PATCH", "/boards/\(board)", ["title": "x"]),
            ("PUT", "/boards/\(board)/members/\(office.erin.user)", ["role": "viewer"]),
        ] as [(String, String, [String: any Sendable]?)] {
            let reply = try await office.http(method, path, office.carol, body)
            #expect(reply.status == 403, "\(method) \(path): \(reply.status)")
        }
        // Someone not on it gets 404 everywhere, as for a board that does not exist: no leak.
        for path in ["/boards/\(board)", "/boards/\(board)/cards/\(card)", "/boards/\(board)/cards/\(card)/activity", "/boards/nope"] {
            let reply = try await office.http("GET", path, office.erin)
            #expect(reply.status == 404, "\(path): \(reply.status)")
        }
        let theirs = try await office.http("POST", "/boards/\(board)/cards/\(card)/move", office.erin, ["stage": office.stages[1]])
        #expect(theirs.status == 404)
        #expect(try await office.http("GET", "/boards", office.erin).body["boards"]?.array.isEmpty == true)
        // A card of a board one can see, asked through another board's address, is unknown there.
        let other = try await office.http("POST", "/boards", office.erin, ["title": "Erin's"])
        let otherBoard = try #require(other.body["board"]?.string)
        #expect(try await office.http("GET", "/boards/\(otherBoard)/cards/\(card)", office.erin).status == 404)
        await office.server.stop()
    }

    @Test func badInputGetsClearErrors() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        let board = office.board
        let made = try await office.http("POST", "/boards/\(board)/cards", office.bob, ["stage": office.stages[0], "title": "Card"])
        let card = try #require(made.body["card"]?.string)
        let cases: [(String, String, [String: any Sendable], Int, String)] = [
            ("POST", "/boards/\(board)/cards/\(card)/move", ["stage": office.stages[0], "key": "not a key"], 400, "key"),
            ("POST", "/boards/\(board)/cards/\(card)/move", ["stage": "s-nope"], 404, "stage"),
            ("POST", "/boards/\(board)/cards/\(card)/move", ["stage": office.stages[0], "after": "k-nope"], 404, "neighbour"),
            ("POST", "/boards/\(board)/cards/\(card)/move", ["stage": office.stages[0], "after": card, "before": card], 400, "placement"),
            ("POST", "/boards/\(board)/cards", ["stage": office.stages[0], "title": String(repeating: "x", count: 501)], 413, "title"),
            ("POST", "/boards/\(board)/cards", ["stage": office.stages[0]], 400, "missing_field:title"),
            ("POST", "/boards/\(board)/cards", ["stage": office.stages[0], "title": "x", "priority": "extreme"], 400, "priority"),
            ("POST", "/boards/\(board)/cards/\(card)/comments", ["text": String(repeating: "a", count: 10_001)], 413, "comment"),
            ("PATCH", "/boards/\(board)/cards/\(card)", ["deadline": -1], 400, "out_of_range:deadline"),
            ("PATCH", "/boards/\(board)/cards/\(card)", ["title": 12], 400, "wrong_type:title"),
            ("PATCH", "/boards/\(board)/stages/\(office.stages[1])", ["wipLimit": 10_001], 400, "out_of_range:wipLimit"),
        ]
        for (method, path, body, status, reason) in cases {
            let reply = try await office.http(method, path, office.bob, body)
            #expect(reply.status == status, "\(method) \(path) \(body): \(reply.status) \(reply.body)")
            #expect(reply.body["reason"]?.string == reason, "\(method) \(path) \(body): \(reply.body)")
        }
        // An archived card does not move; restored, it does.
        #expect(try await office.http("PATCH", "/boards/\(board)/cards/\(card)", office.bob, ["archived": true]).status == 200)
        let archivedMove = try await office.http("POST", "/boards/\(board)/cards/\(card)/move", office.bob, ["stage": office.stages[1]])
        #expect(archivedMove.status == 409 && archivedMove.body["reason"]?.string == "card_archived")
        #expect(try await office.http("PATCH", "/boards/\(board)/cards/\(card)", office.bob, ["archived": false]).status == 200)
        #expect(try await office.http("POST", "/boards/\(board)/cards/\(card)/move", office.bob, ["stage": office.stages[1]]).status == 200)
        await office.server.stop()
    }

    @Test func twoSimultaneousMovesOfOneCardEndTheSameForEveryone() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        var made: [String] = []
        for index in 0..<4 {
            let reply = try await office.http("POST", "/boards/\(office.board)/cards", office.bob,
                                              ["stage": office.stages[0], "title": "Card \(index)"])
            made.append(reply.body["card"]!.string!)
        }
        // The same card to two places at once, and two cards into one slot at once.
        let cards = made
        async let first = office.http("POST", "/boards/\(office.board)/cards/\(cards[0])/move", office.bob,
                                      ["stage": office.stages[1]])
        async let second = office.http("POST", "/boards/\(office.board)/cards/\(cards[0])/move", office.alice,
                                       ["stage": office.stages[2]])
        async let third = office.http("POST", "/boards/\(office.board)/cards/\(cards[1])/move", office.bob,
                                      ["stage": office.stages[0], "after": cards[3]])
        async let fourth = office.http("POST", "/boards/\(office.board)/cards/\(cards[2])/move", office.alice,
                                       ["stage": office.stages[0], "after": cards[3]])
        let replies = try await [first, second, third, fourth]
        let statuses = replies.map(\.status)
        #expect(statuses.allSatisfy { $0 == 200 })
        // Everyone reads one board: the server's, the same for both.
        let byAlice = try await office.http("GET", "/boards/\(office.board)", office.alice)
        let byBob = try await office.http("GET", "/boards/\(office.board)", office.bob)
        let order = { (body: JSONValue) in body["cards"]!.array.map { "\($0["stage"]!.string!):\($0["id"]!.string!)" } }
        #expect(order(byAlice.body) == order(byBob.body))
        let firstCard = byAlice.body["cards"]!.array.first { $0["id"]?.string == cards[0] }
        #expect([office.stages[1], office.stages[2]].contains(firstCard?["stage"]?.string ?? ""))
        await office.server.stop()
    }

    @Test func theBoardAsOfADateAndACardsActivityComeFromTheLog() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        let made = try await office.http("POST", "/boards/\(office.board)/cards", office.bob, ["stage": office.stages[0], "title": "Paint"])
        let card = try #require(made.body["card"]?.string)
        try await Task.sleep(for: .milliseconds(20))
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(20))
        _ = try await office.http("POST", "/boards/\(office.board)/cards/\(card)/move", office.bob, ["stage": office.stages[3]])
        _ = try await office.http("POST", "/boards/\(office.board)/cards/\(card)/comments", office.alice, ["text": "Done, @bob?"])
        let then = try await office.http("GET", "/boards/\(office.board)?asOf=\(before)", office.carol)
        #expect(then.status == 200)
        #expect(then.body["cards"]?[0]?["stage"]?.string == office.stages[0])
        #expect(then.body["asOf"]?.int == Int(before))
        let now = try await office.http("GET", "/boards/\(office.board)", office.carol)
        #expect(now.body["cards"]?[0]?["stage"]?.string == office.stages[3])
        let activity = try await office.http("GET", "/boards/\(office.board)/cards/\(card)/activity", office.carol)
        #expect(activity.body["activity"]!.array.compactMap { $0["kind"]?.string } == ["card.created", "card.moved", "card.commented"])
        #expect(activity.body["activity"]?[2]?["mentions"]?[0]?.string == office.bob.user)
        let detail = try await office.http("GET", "/boards/\(office.board)/cards/\(card)", office.carol)
        #expect(detail.body["commentList"]?[0]?["text"]?.string == "Done, @bob?")
        // Before the board existed there was nothing to show.
        #expect(try await office.http("GET", "/boards/\(office.board)?asOf=1000", office.carol).status == 404)
        await office.server.stop()
    }

    @Test func assigneesAreRemindedOnceWhenADeadlineNears() async throws {
        let server = try await TestServer.start { $0.limits.deadlineCheckSeconds = 1 }
        defer { server.remove() }
        let alice = try await server.register("alice")
        let created = try await server.http("POST", "/api/v1/boards", token: alice.token, body: jsonText(["title": "Due"]))
        let board = try #require(created.body["board"]?.string)
        let stage = try await server.http("GET", "/api/v1/boards/\(board)", token: alice.token).body["stages"]![0]!["id"]!.string!
        let listener = try await server.client(alice.token)
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        _ = try await server.http("POST", "/api/v1/boards/\(board)/cards", token: alice.token, body: jsonText([
            "stage": stage, "title": "Report", "assignees": [alice.user], "deadline": deadline,
        ]))
        let reminder = try await listener.event(timeout: .seconds(10)) { $0["kind"]?.string == "card.reminder" }
        #expect(reminder["deadline"]?.int == Int(deadline))
        try await Task.sleep(for: .seconds(2.5))
        #expect(await listener.events().count { $0["kind"]?.string == "card.reminder" } == 1)
        await listener.close()
        await server.stop()
    }

    @Test func aLinkedRoomHearsOfCardsCreatedMovedAndArchived() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        // Erin is in the room, not on the board: the room's timeline tells her anyway.
        let room = try await office.http("POST", "/rooms", office.alice, ["name": "move-team"])
        let roomID = try #require(room.body["room"]?.string)
        #expect(try await office.http("POST", "/rooms/\(roomID)/join", office.erin).status == 200)
        #expect(try await office.http("PATCH", "/boards/\(office.board)", office.alice, ["room": roomID, "announce": true]).status == 200)
        let listener = try await office.server.client(office.erin.token)
        let made = try await office.http("POST", "/boards/\(office.board)/cards", office.bob, ["stage": office.stages[0], "title": "Rent a van"])
        let card = try #require(made.body["card"]?.string)
        let created = try await listener.event { $0["kind"]?.string == "board.activity" }
        #expect(created["activity"]?.string == "created" && created["cardTitle"]?.string == "Rent a van" && created["stage"]?.string == "To do")
        _ = try await office.http("POST", "/boards/\(office.board)/cards/\(card)/move", office.bob, ["stage": office.stages[3]])
        let moved = try await listener.event { $0["kind"]?.string == "board.activity" && $0["activity"]?.string == "moved" }
        #expect(moved["stage"]?.string == "Done" && moved["boardTitle"]?.string == "Office move")
        // And it is in the room's history, for whoever reads it later.
        let history = try await office.http("GET", "/rooms/\(roomID)/messages", office.erin)
        #expect(history.body["items"]!.array.filter { $0["kind"]?.string == "board.activity" }.count == 2)
        await listener.close()
        await office.server.stop()
    }

    @Test func myCardsGatherWhatIsAssignedToMeAcrossBoards() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        _ = try await office.http("POST", "/boards/\(office.board)/cards", office.bob,
                                  ["stage": office.stages[0], "title": "Mine", "assignees": [office.carol.user]])
        _ = try await office.http("POST", "/boards/\(office.board)/cards", office.bob, ["stage": office.stages[0], "title": "Not mine"])
        let mine = try await office.http("GET", "/me/cards", office.carol)
        #expect(mine.body["cards"]!.array.compactMap { $0["title"]?.string } == ["Mine"])
        #expect(mine.body["cards"]?[0]?["boardTitle"]?.string == "Office move")
        await office.server.stop()
    }
}
