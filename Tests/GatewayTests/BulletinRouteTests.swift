import Foundation
import Testing

/// The bulletin board end to end: posting rights, audiences, a must-read notice waiting in the
/// welcome until acknowledged, the author's read list and reminders, attachments, must-read
/// broadcasts, and the audit trail answering "did Bob read it, and when?".
@Suite("Bulletin over HTTP and WebSocket")
struct BulletinRouteTests {
    @Test func aMustReadNoticeWaitsForItsReadersAndItsAuthorSeesWhoRead() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        // Only administrators and postBulletin may post.
        let refused = try await server.http("POST", "/api/v1/bulletin", token: bob.token, body: jsonText(["title": "Hi"]))
        #expect(refused.status == 403 && refused.body["reason"]?.string == "missing_permission:postBulletin")
        let live = try await server.client(carol.token)
        let posted = try await server.http("POST", "/api/v1/bulletin", token: admin, body: jsonText([
            "title": "Fire drill", "body": "Friday at **10:00**", "mustRead": true, "pinned": true,
        ]))
        #expect(posted.status == 201)
        let notice = try #require(posted.body["bulletin"]?.string)
        let event = try await live.event { $0["kind"]?.string == "bulletin.posted" }
        #expect(event["mustRead"]?.bool == true && event["title"]?.string == "Fire drill")
        // Bob connects later: the welcome says what waits for him.
        let bobClient = try await TestClient.connect(port: server.port)
        try await bobClient.hello(bob.token)
        let welcome = try await bobClient.frame { $0["type"]?.string == "welcome" }
        #expect(welcome["data"]?["bulletin"]?["pending"]?[0]?.string == notice)
        #expect(welcome["data"]?["bulletin"]?["unread"]?.int == 1)
        let board = try await server.http("GET", "/api/v1/bulletin", token: bob.token)
        #expect(board.body["notices"]?[0]?["title"]?.string == "Fire drill")
        #expect(board.body["notices"]?[0]?["acknowledgedAt"]?.isNull == true)
        #expect(board.body["notices"]?[0]?["acknowledgements"] == nil)
        // Bob acknowledges; twice changes nothing; the author's read list has him, with the time.
        #expect(try await server.http("POST", "/api/v1/bulletin/\(notice)/acknowledge", token: bob.token).status == 200)
        #expect(try await server.http("POST", "/api/v1/bulletin/\(notice)/acknowledge", token: bob.token).status == 200)
        let reads = try await server.http("GET", "/api/v1/bulletin/\(notice)/reads", token: admin)
        #expect(reads.body["read"]!.array.compactMap { $0["user"]?.string } == [bob.user])
        #expect(reads.body["unread"]!.array.compactMap(\.string).contains(carol.user))
        #expect(try await server.http("GET", "/api/v1/bulletin/\(notice)/reads", token: bob.token).status == 403)
        // Carol is reminded.
        #expect(try await server.http("POST", "/api/v1/bulletin/\(notice)/remind", token: admin).status == 200)
        let reminder = try await live.event { $0["kind"]?.string == "bulletin.reminded" }
        #expect(reminder["users"]!.array.compactMap(\.string).contains(carol.user))
        #expect(!reminder["users"]!.array.compactMap(\.string).contains(bob.user))
        // The audit trail answers "did Bob read the fire-drill notice?", with the time.
        let trail = try await server.http("GET", "/api/v1/admin/audit/trail?kind=bulletin.acknowledged", token: admin)
        #expect(trail.status == 200)
        #expect(trail.body["entries"]!.array.contains { $0["actorName"]?.string == "bob" && $0["details"]?["title"]?.string == "Fire drill" })
        await live.close()
        await bobClient.close()
        await server.stop()
    }

    @Test func aNoticeForAGroupIsInvisibleToOthers() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let posted = try await server.http("POST", "/api/v1/bulletin", token: admin, body: jsonText([
            "title": "For Bob", "users": [bob.user],
        ]))
        let notice = try #require(posted.body["bulletin"]?.string)
        #expect(try await server.http("GET", "/api/v1/bulletin", token: bob.token).body["notices"]?.array.count == 1)
        #expect(try await server.http("GET", "/api/v1/bulletin", token: carol.token).body["notices"]?.array.isEmpty == true)
        let theirs = try await server.http("POST", "/api/v1/bulletin/\(notice)/acknowledge", token: carol.token)
        #expect(theirs.status == 404 && theirs.body["reason"]?.string == "bulletin")
        #expect(try await server.http("GET", "/api/v1/bulletin/\(notice)/attachments/0", token: carol.token).status == 404)
        #expect(try await server.http("GET", "/api/v1/bulletin/\(notice)/attachments/99", token: bob.token).status == 400)
        // Bad input: an expiry in the past, an audience that names nothing.
        let past = try await server.http("POST", "/api/v1/bulletin", token: admin, body: jsonText(["title": "x", "expiresAt": 1000]))
        #expect(past.status == 400 && past.body["reason"]?.string == "expires")
        let nobody = try await server.http("POST", "/api/v1/bulletin", token: admin, body: jsonText(["title": "x", "groups": ["nope"]]))
        #expect(nobody.status == 404 && nobody.body["reason"]?.string == "group")
        await server.stop()
    }

    @Test func aMustReadBroadcastIsAcknowledgedAndItsReadListKept() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let bob = try await server.register("bob")
        let sent = try await server.http("POST", "/api/v1/admin/broadcast", token: admin, body: jsonText([
            "text": "Network maintenance tonight", "mustRead": true,
        ]))
        let message = try #require(sent.body["position"]?.int)
        let client = try await TestClient.connect(port: server.port)
        try await client.hello(bob.token)
        let welcome = try await client.frame { $0["type"]?.string == "welcome" }
        #expect(welcome["data"]?["announcements"]?["pending"]?[0]?.int == message)
        #expect(try await server.http("POST", "/api/v1/announcements/\(message)/acknowledge", token: bob.token).status == 200)
        let reads = try await server.http("GET", "/api/v1/admin/broadcasts/\(message)/reads", token: admin)
        #expect(reads.body["read"]?[0]?["user"]?.string == bob.user)
        #expect(try await server.http("GET", "/api/v1/admin/broadcasts/\(message)/reads", token: bob.token).status == 403)
        await client.close()
        await server.stop()
    }
}
