import Foundation
@testable import Gateway
import Testing

@Suite("Rooms over real sockets", .serialized)
struct RoomsFlowTests {
    @Test func everyKindOfRoom() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)

        // Public: listed, anyone joins.
        let coffee = try #require(try await a.send("createRoom", ["name": "Coffee", "visibility": "public"])["room"]?.string)
        let directory = try await b.send("directory")
        #expect(directory["data"]?.array.contains { $0["room"]?.string == coffee } == true)
        #expect(try await b.send("join", ["room": coffee])["type"]?.string == "ok")

        // Private: unlisted, invisible, joined by invitation.
        let board = try #require(try await a.send("createRoom", ["name": "Board", "visibility": "private"])["room"]?.string)
        #expect(try await b.send("directory")["data"]?.array.contains { $0["room"]?.string == board } == false)
        #expect(try await b.send("join", ["room": board])["code"]?.string == "notFound")
        try await a.send("invite", ["room": board, "user": bob.user])
        _ = try await b.event { $0["kind"]?.string == "member.invited" && $0["room"]?.string == board }
        #expect(try await b.send("join", ["room": board])["type"]?.string == "ok")

        // Password: refused without it, accepted with it.
        let payroll = try #require(try await a.send("createRoom", [
            "name": "Payroll", "visibility": "public", "password": "s3cret"])["room"]?.string)
        #expect(try await b.send("join", ["room": payroll])["reason"]?.string == "room_password")
        #expect(try await b.send("join", ["room": payroll, "password": "wrong"])["reason"]?.string == "room_password")
        #expect(try await b.send("join", ["room": payroll, "password": "s3cret"])["type"]?.string == "ok")

        // Non-leavable and auto-join: administrators only; everyone is in, nobody leaves.
        #expect(try await a.send("createRoom", ["name": "News", "nonLeavable": true, "autoJoin": true])["code"]?.string == "forbidden")
        let news = try await server.http("POST", "/api/v1/rooms", token: admin, body: jsonText([
            "name": "News", "nonLeavable": true, "autoJoin": true]))
        let newsRoom = try #require(news.body["room"]?.string)
        _ = try await b.event { $0["kind"]?.string == "room.created" && $0["room"]?.string == newsRoom }
        #expect(try await b.send("leave", ["room": newsRoom])["reason"]?.string == "non_leavable")
        let carol = try await server.register("carol")
        let rooms = try await server.http("GET", "/api/v1/rooms", token: carol.token)
        #expect(rooms.body.array.contains { $0["room"]?.string == newsRoom })

        // Topic, kick, ban (no rejoin), unban, mute with a delay.
        try await a.send("topic", ["room": coffee, "topic": "Beans & <b>brews</b>"])
        let topic = try await b.event { $0["kind"]?.string == "room.topic" }
        #expect(topic["topic"]?.string == "Beans & <b>brews</b>")
        try await a.send("moderate", ["room": coffee, "user": bob.user, "action": "kick", "reason": "test"])
        _ = try await b.event { $0["kind"]?.string == "member.kicked" && $0["room"]?.string == coffee }
        #expect(try await b.send("join", ["room": coffee])["type"]?.string == "ok")
        try await a.send("moderate", ["room": coffee, "user": bob.user, "action": "ban", "reason": "spam"])
        _ = try await b.event { $0["kind"]?.string == "member.banned" }
        #expect(try await b.send("join", ["room": coffee])["reason"]?.string == "banned")
        #expect(try await b.send("post", ["room": coffee, "clientId": "x", "text": "hi"])["code"]?.string == "notFound")
        try await a.send("moderate", ["room": coffee, "user": bob.user, "action": "unban"])
        #expect(try await b.send("join", ["room": coffee])["type"]?.string == "ok")
        try await a.send("moderate", ["room": coffee, "user": bob.user, "action": "mute", "minutes": 5])
        let muted = try await b.send("post", ["room": coffee, "clientId": "y", "text": "hi"])
        #expect(muted["reason"]?.string == "muted")
        #expect((muted["retryAfter"]?.int ?? 0) > 200)
        // The general room cannot be left.
        #expect(try await b.send("leave", ["room": "main"])["reason"]?.string == "non_leavable")
        await a.close()
        await b.close()
        await server.stop()
    }

    @Test func presenceAndTyping() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)
        func change(_ user: String, _ status: String) -> @Sendable (JSONValue) -> Bool {
            { frame in
                frame["type"]?.string == "presence"
                    && frame["changes"]!.array.contains { $0["user"]?.string == user && $0["status"]?.string == status }
            }
        }
        _ = try await a.frame(change(bob.user, "online"))
        try await b.send("typing", ["room": "main"])
        let typing = try await a.frame { $0["type"]?.string == "typing" }
        #expect(typing["user"]?.string == bob.user)
        try await b.send("presence", ["status": "away"])
        _ = try await a.frame(change(bob.user, "away"))
        await b.close()
        _ = try await a.frame(change(bob.user, "offline"))
        await a.close()
        await server.stop()
    }
}
