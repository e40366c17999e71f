import EventStore
import Fixtures
import Foundation
@testable import Gateway
import Projections
import Synchronization
import Testing

/// The retention setting hides what is older than it from users, and destroys nothing
/// (docs/adr/007-retention-hides-history.md). The history is written with a clock in the past,
/// then served by the real server, which runs on the real clock.
@Suite("Retention", .serialized)
struct RetentionTests {
    static let day: Int64 = 86_400_000_000

    /// 40 days ago: three messages in main (one mentions user0); yesterday: two (one mentions
    /// user0); then retention set to 30 days. user0 has read nothing.
    static func writeHistory(in directory: String) throws {
        let now = Timestamp.now().microseconds
        let clock = Mutex(now - 40 * day)
        let fixture = try Fixture(directory: directory, clock: { Timestamp(microseconds: clock.withLock { $0 }) })
        fixture.at(now - 40 * day)
        try fixture.initialize(passwordHash: PasswordHasher.hashNowForFixtures("bench-password"))
        try fixture.addUsers(2, passwordHash: PasswordHasher.hashNowForFixtures("bench-password"))
        let author = Fixture.user(1)
        try fixture.run(PostMessage(room: .main, clientID: "old1", text: "old one @user0"), by: author)
        try fixture.run(PostMessage(room: .main, clientID: "old2", text: "old two"), by: author)
        try fixture.run(PostMessage(room: .main, clientID: "old3", text: "old three"), by: author)
        try fixture.flushSync()
        clock.withLock { $0 = now - day }
        fixture.at(now - day)
        try fixture.run(PostMessage(room: .main, clientID: "new1", text: "new one @user0"), by: author)
        try fixture.run(PostMessage(room: .main, clientID: "new2", text: "new two"), by: author)
        // user0's session, opened 40 days ago, was used yesterday (sessions idle for 30 days end).
        try fixture.run(RefreshSession(tokenHash: SecureRandom.tokenHash(Fixture.token(0))), by: Fixture.user(0))
        try fixture.run(ChangeSettings(settings: ServerSettings(serverName: "Office", retentionDays: 30)),
                        by: fixture.administrator)
        try fixture.close()
    }

    static func items(_ page: JSONValue) -> [JSONValue] { page["items"]?.array ?? [] }

    static func texts(_ page: JSONValue) -> [String] {
        items(page).filter { $0["kind"]?.string == "message.posted" }.compactMap { $0["text"]?.string }
    }

    @Test func usersSeeNothingOlderThanTheRetentionAndNothingIsDestroyed() async throws {
        let directory = NSTemporaryDirectory() + "causerie-retention-" + UUID().uuidString
        try Self.writeHistory(in: directory)
        let server = try await TestServer.start(directory: directory)
        defer { server.remove() }
        let reader = Fixture.token(0)

        // Unread and mention counts: the two recent messages, the recent mention.
        let rooms = try await server.http("GET", "/api/v1/rooms", token: reader)
        let main = try #require(rooms.body.array.first { $0["room"]?.string == "main" })
        #expect(main["unread"]?.int == 2)
        #expect(main["mentions"]?.int == 1)

        // The latest page stops at the horizon, and says there is nothing before.
        let latest = try await server.http("GET", "/api/v1/rooms/main/messages", token: reader)
        #expect(Self.texts(latest.body) == ["new one @user0", "new two"])
        #expect(latest.body["hasMoreBefore"]?.bool == false)
        #expect(latest.body["hiddenBefore"]?.bool == true)
        let info = try await server.http("GET", "/api/v1/server")
        #expect(info.body["retentionDays"]?.int == 30)
        let positions = Self.items(latest.body).compactMap { $0["position"]?.uint64 }
        let oldest = try #require(positions.min())

        // Paging back from there, from the start, or by date: nothing older.
        let before = try await server.http("GET", "/api/v1/rooms/main/messages?before=\(oldest)", token: reader)
        #expect(Self.items(before.body).isEmpty)
        #expect(before.body["hasMoreBefore"]?.bool == false)
        let after = try await server.http("GET", "/api/v1/rooms/main/messages?after=0", token: reader)
        #expect(Self.texts(after.body) == ["new one @user0", "new two"])
        let longAgo = (Timestamp.now().microseconds - 60 * Self.day) / 1000
        let byDate = try await server.http("GET", "/api/v1/rooms/main/messages?from=\(longAgo)", token: reader)
        #expect(Self.texts(byDate.body) == ["new one @user0", "new two"])

        // A client back after a long absence (last seen: the first event) catches up from the
        // horizon, and the WebSocket history command agrees with HTTP.
        let client = try await server.client(reader, lastSeen: 1)
        _ = try await client.event { $0["text"]?.string == "new two" }
        let caughtUp = await client.events().filter { $0["kind"]?.string == "message.posted" }
        #expect(caughtUp.compactMap { $0["text"]?.string } == ["new one @user0", "new two"])
        let page = try await client.send("history", ["room": "main", "before": oldest])
        #expect(Self.items(page).isEmpty)
        #expect(page["hasMoreBefore"]?.bool == false)
        #expect(page["hiddenBefore"]?.bool == true)

        // Retention off: the whole history is back.
        let admin = try await server.http("POST", "/api/v1/login",
                                          body: jsonText(["username": "admin", "password": "bench-password"]))
        let adminToken = try #require(admin.body["token"]?.string)
        let off = try await server.http("PUT", "/api/v1/admin/settings", token: adminToken, body: jsonText([
            "serverName": "Office", "registrationOpen": true, "maxMessageLength": 4000, "retentionDays": 0]))
        #expect(off.status == 200)
        // Connected clients learn the new setting live.
        _ = try await client.event { $0["kind"]?.string == "settings.changed" && $0["retentionDays"]?.int == 0 }
        await client.close()
        let all = try await server.http("GET", "/api/v1/rooms/main/messages", token: reader)
        #expect(Self.texts(all.body) == ["old one @user0", "old two", "old three", "new one @user0", "new two"])
        #expect(all.body["hiddenBefore"]?.bool == false)
        let roomsAfter = try await server.http("GET", "/api/v1/rooms", token: reader)
        let mainAfter = try #require(roomsAfter.body.array.first { $0["room"]?.string == "main" })
        #expect(mainAfter["unread"]?.int == 5)
        #expect(mainAfter["mentions"]?.int == 2)
        await server.stop()
    }
}
