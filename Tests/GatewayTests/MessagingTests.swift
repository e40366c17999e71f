import Foundation
@testable import Gateway
import Testing

@Suite("Messaging over real sockets", .serialized)
struct MessagingTests {
    @Test func twoPeopleTalkLiveInTheGeneralRoomAndInPrivate() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)
        let welcome = try #require(await b.welcome)
        #expect(welcome["data"]?["rooms"]?.array.contains { $0["room"]?.string == "main" } == true)

        let ok = try await a.send("post", ["room": "main", "clientId": "m1", "text": "Hello *Bob*"])
        #expect(ok["type"]?.string == "ok")
        let position = try #require(ok["position"]?.uint64)
        let seen = try await b.event { $0["kind"]?.string == "message.posted" && $0["message"]?.uint64 == position }
        #expect(seen["text"]?.string == "Hello *Bob*")
        #expect(seen["author"]?.string == alice.user)

        // A direct message creates the conversation on first use; the other side sees both.
        let direct = try await b.send("direct", ["user": alice.user, "clientId": "d1", "text": "psst"])
        let room = try #require(direct["room"]?.string)
        _ = try await a.event { $0["kind"]?.string == "room.created" && $0["room"]?.string == room }
        let message = try await a.event { $0["kind"]?.string == "message.posted" && $0["room"]?.string == room }
        #expect(message["text"]?.string == "psst")

        // Edits and deletions reach the other side as events.
        try await a.send("edit", ["message": Int(position), "text": "Hello *Bob*!"])
        let edited = try await b.event { $0["kind"]?.string == "message.edited" }
        #expect(edited["message"]?.uint64 == position && edited["text"]?.string == "Hello *Bob*!")
        try await a.send("delete", ["message": Int(position)])
        _ = try await b.event { $0["kind"]?.string == "message.deleted" && $0["message"]?.uint64 == position }
        // Bob may not edit Alice's message.
        let refused = try await b.send("edit", ["message": Int(position), "text": "hijack"])
        #expect(refused["type"]?.string == "error")

        // History shows the edit marker and the deletion in place.
        let history = try await b.send("history", ["room": "main", "limit": 20])
        let item = history["items"]?.array.first { $0["message"]?.uint64 == position }
        #expect(item?["deleted"]?.bool == true)
        #expect(item?["edited"]?.bool == true)
        await a.close()
        await b.close()
        await server.stop()
    }

    @Test func aRetriedSendIsPostedOnce() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let a = try await server.client(alice.token)
        let first = try await a.send("post", ["room": "main", "clientId": "same", "text": "once"])
        let second = try await a.send("post", ["room": "main", "clientId": "same", "text": "once"])
        #expect(first["position"] == second["position"])
        try await Task.sleep(for: .milliseconds(100))
        let posted = await a.events().filter { $0["kind"]?.string == "message.posted" }
        #expect(posted.count == 1)
        await a.close()
        await server.stop()
    }
}

@Suite("Broadcasts, history by date, profile, statistics", .serialized)
struct MoreMessagingTests {
    @Test func broadcastsReachTheirRecipientsOnly() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)
        let toAlice = try await server.http("POST", "/api/v1/admin/broadcast", token: admin,
                                            body: jsonText(["text": "Fire drill at 3", "recipients": [alice.user]]))
        #expect(toAlice.status == 200)
        _ = try await a.event { $0["kind"]?.string == "broadcast" && $0["text"]?.string == "Fire drill at 3" }
        let everyone = try await server.http("POST", "/api/v1/admin/broadcast", token: admin, body: jsonText(["text": "Cake!"]))
        #expect(everyone.status == 200)
        _ = try await b.event { $0["kind"]?.string == "broadcast" && $0["text"]?.string == "Cake!" }
        #expect(await b.events().allSatisfy { $0["text"]?.string != "Fire drill at 3" })
        // Only administrators broadcast.
        #expect(try await server.http("POST", "/api/v1/admin/broadcast", token: alice.token, body: jsonText(["text": "x"])).status == 403)
        await a.close()
        await b.close()
        await server.stop()
    }

    @Test func historyPagesByPositionAndByDate() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        let a = try await server.client(alice.token)
        var positions: [UInt64] = []
        for index in 0..<30 {
            positions.append(try #require(try await a.send("post", ["room": "main", "clientId": "h\(index)", "text": "n\(index)"])["position"]?.uint64))
        }
        let before = Int(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(50))
        for index in 30..<35 {
            positions.append(try #require(try await a.send("post", ["room": "main", "clientId": "h\(index)", "text": "n\(index)"])["position"]?.uint64))
        }
        // The latest page, then the one before it.
        let latest = try await server.http("GET", "/api/v1/rooms/main/messages?limit=10", token: alice.token)
        let latestPositions = latest.body["items"]!.array.compactMap { $0["message"]?.uint64 }
        #expect(latestPositions == Array(positions.suffix(10)))
        #expect(latest.body["hasMoreBefore"]?.bool == true)
        let older = try await server.http("GET", "/api/v1/rooms/main/messages?limit=10&before=\(latestPositions[0])", token: alice.token)
        #expect(older.body["items"]!.array.compactMap { $0["message"]?.uint64 } == Array(positions[15..<25]))
        // From a date: only the messages after it.
        let since = try await server.http("GET", "/api/v1/rooms/main/messages?from=\(before)", token: alice.token)
        #expect(since.body["items"]!.array.compactMap { $0["message"]?.uint64 } == Array(positions[30...]))
        // The same over the WebSocket.
        let page = try await a.send("history", ["room": "main", "after": Int(positions[28]), "limit": 3])
        #expect(page["items"]!.array.compactMap { $0["message"]?.uint64 } == Array(positions[29..<32]))
        await a.close()
        await server.stop()
    }

    @Test func profileQuickPhrasesAndStatistics() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let a = try await server.client(alice.token)
        let phrases = (1...10).map { "Phrase \($0)" }
        #expect(try await a.send("quickPhrases", ["phrases": phrases])["type"]?.string == "ok")
        #expect(try await a.send("quickPhrases", ["phrases": phrases + ["eleven"]])["code"]?.string == "tooLarge")
        #expect(try await a.send("profile", ["displayName": "Alice A.", "department": "Accounts", "phone": "+33 1 23"])["type"]?.string == "ok")
        let me = try await server.http("GET", "/api/v1/me", token: alice.token)
        #expect(me.body["quickPhrases"]?.array.count == 10)
        #expect(me.body["department"]?.string == "Accounts")
        try await a.send("post", ["room": "main", "clientId": "s1", "text": "counted"])
        await a.close()
        try await Task.sleep(for: .milliseconds(300))
        let stats = try await server.http("GET", "/api/v1/admin/statistics", token: admin)
        let mine = stats.body["perUser"]?[alice.user]
        #expect(mine?["connections"]?.int == 1)
        #expect(mine?["messages"]?.int == 1)
        #expect((mine?["bytesOut"]?.int ?? 0) > 0)
        await server.stop()
    }
}
