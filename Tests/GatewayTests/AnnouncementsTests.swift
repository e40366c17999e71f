import Foundation
@testable import Gateway
import Testing

/// Broadcasts are messages (issue 11): stored, shown in each recipient's Announcements
/// conversation, delivered to whoever was offline when they connect; and invitations name their
/// room, survive a reconnect, and can be declined.
@Suite("Announcements and invitations", .serialized)
struct AnnouncementsTests {
    @Test func aBroadcastReachesWhoeverWasOffline() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let online = try await server.client(alice.token)
        let sent = try await server.http("POST", "/api/v1/admin/broadcast", token: admin,
                                         body: jsonText(["text": "Fire drill at *3 pm*"]))
        #expect(sent.status == 200)
        let position = try #require(sent.body["position"]?.int)
        // Alice, online: live, as a message of her Announcements conversation.
        let live = try await online.event { $0["kind"]?.string == "broadcast" }
        #expect(live["room"]?.string == "announcements" && live["message"]?.int == position)
        #expect(live["text"]?.string == "Fire drill at *3 pm*" && live["author"]?.string != nil)
        // Bob was not connected at all: his welcome counts it, his history holds it.
        let b = try await server.client(bob.token)
        let summary = try #require(await b.welcome?["data"]?["announcements"])
        #expect(summary["unread"]?.int == 1 && summary["last"]?.int == position, "\(summary)")
        let history = try await b.send("history", ["room": "announcements"])
        #expect(history["items"]?.array.map { $0["text"]?.string } == ["Fire drill at *3 pm*"])
        #expect(try await server.http("GET", "/api/v1/rooms/announcements/messages", token: bob.token)
            .body["items"]?.array.count == 1)
        // Read: the next welcome counts nothing.
        #expect(try await b.send("read", ["room": "announcements", "upTo": position])["type"]?.string == "ok")
        let again = try await server.client(bob.token)
        #expect(await again.welcome?["data"]?["announcements"]?["unread"]?.int == 0)
        // Reconnecting with lastSeen from before it: the catch-up carries it like any event.
        let resumed = try await server.client(bob.token, lastSeen: UInt64(position - 1))
        _ = try await resumed.event { $0["kind"]?.string == "broadcast" && $0["message"]?.int == position }
        await server.stop()
    }

    @Test func aBroadcastToAGroupReachesItsMembersOnly() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let carol = try await server.register("carol")
        let dave = try await server.register("dave")
        let group = try await server.http("POST", "/api/v1/admin/groups", token: admin, body: jsonText([
            "id": "sales", "name": "Sales", "permissions": ["sendMessages", "postToRooms"]]))
        #expect(group.status == 201)
        #expect(try await server.http("PATCH", "/api/v1/admin/users/\(carol.user)", token: admin,
                                      body: jsonText(["groups": ["users", "sales"]])).status == 200)
        let d = try await server.client(dave.token)
        let sent = try await server.http("POST", "/api/v1/admin/broadcast", token: admin,
                                         body: jsonText(["text": "Quarterly figures are out", "groups": ["sales"]]))
        #expect(sent.status == 200)
        let c = try await server.client(carol.token)
        #expect(await c.welcome?["data"]?["announcements"]?["unread"]?.int == 1)
        #expect(try await d.send("history", ["room": "announcements"])["items"]?.array.isEmpty == true)
        #expect(await d.welcome?["data"]?["announcements"]?["unread"]?.int == 0)
        try await Task.sleep(for: .milliseconds(200))
        #expect(await d.events().contains { $0["kind"]?.string == "broadcast" } == false)
        // A group that does not exist, or nobody to send to: refused, nothing sent.
        #expect(try await server.http("POST", "/api/v1/admin/broadcast", token: admin,
                                      body: jsonText(["text": "x", "groups": ["nope"]])).status == 404)
        #expect(try await server.http("POST", "/api/v1/admin/broadcast", token: carol.token,
                                      body: jsonText(["text": "x"])).status == 403)
        await server.stop()
    }

    @Test func invitationsNameTheirRoomSurviveAReconnectAndCanBeDeclined() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let board = try #require(try await a.send("createRoom", ["name": "Board", "topic": "Budget 2027",
                                                                 "visibility": "private"])["room"]?.string)
        let live = try await server.client(bob.token)
        #expect(try await a.send("invite", ["room": board, "user": bob.user])["type"]?.string == "ok")
        let invited = try await live.event { $0["kind"]?.string == "member.invited" }
        #expect(invited["roomName"]?.string == "Board" && invited["topic"]?.string == "Budget 2027", "\(invited)")
        // A fresh connection (no lastSeen) still knows of it.
        let later = try await server.client(bob.token)
        let pending = try #require(await later.welcome?["data"]?["invitations"]?.array)
        #expect(pending.count == 1 && pending[0]["room"]?.string == board && pending[0]["name"]?.string == "Board")
        #expect(pending[0]["by"]?.string == alice.user && pending[0]["topic"]?.string == "Budget 2027")
        // Declined on one device: gone from the others, and from the next welcome.
        #expect(try await later.send("decline", ["room": board])["type"]?.string == "ok")
        _ = try await live.event { $0["kind"]?.string == "member.declined" && $0["room"]?.string == board }
        let after = try await server.client(bob.token)
        #expect(await after.welcome?["data"]?["invitations"]?.array.isEmpty == true)
        #expect(try await after.send("join", ["room": board])["code"]?.string == "notFound")
        // Declining what was never offered says nothing about a private room.
        let carol = try await server.register("carol")
        let c = try await server.client(carol.token)
        #expect(try await c.send("decline", ["room": board])["code"]?.string == "notFound")
        await server.stop()
    }
}
