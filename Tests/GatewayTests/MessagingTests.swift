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
