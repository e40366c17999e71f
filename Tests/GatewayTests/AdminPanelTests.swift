import Foundation
@testable import Gateway
import Projections
import Testing

/// What the admin panel reads and changes beyond accounts and groups: every room's metadata,
/// `audit verify` and the trail, the server's status, and who is online from where.
@Suite struct AdminPanelTests {
    @Test func roomsAreListedWithTheirMetadataOnlyAndChangedByAnAdministratorOutsideThem() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let created = try await server.http("POST", "/api/v1/rooms", token: alice.token,
                                            body: jsonText(["name": "secret-plans", "visibility": "private", "topic": "Q1"]))
        let room = try #require(created.body["room"]?.string, "\(created.body)")
        _ = try await server.http("POST", "/api/v1/rooms/\(room)/messages", token: alice.token,
                                  body: jsonText(["text": "the launch date is the 12th"]))

        let listed = try await server.http("GET", "/api/v1/admin/rooms", token: admin)
        #expect(listed.status == 200, "\(listed.body)")
        let row = try #require(listed.body.array.first { $0["room"]?.string == room })
        #expect(row["visibility"]?.string == "private" && row["name"]?.string == "secret-plans" && row["topic"]?.string == "Q1")
        #expect(row["owners"]?.array.compactMap(\.string) == [alice.user] && row["members"]?.int == 1)
        #expect(row["messages"]?.int == 1)
        // Metadata only: the words never leave the room.
        let raw = try await server.http("GET", "/api/v1/admin/rooms", token: admin)
        #expect(!"\(raw.body)".contains("launch"))

        // The administrator is no member, and still archives it and makes it auto-join.
        let archived = try await server.http("PATCH", "/api/v1/admin/rooms/\(room)", token: admin,
                                             body: jsonText(["archived": true, "autoJoin": true]))
        #expect(archived.status == 200, "\(archived.body)")
        let after = try await server.http("GET", "/api/v1/admin/rooms", token: admin)
        let changed = try #require(after.body.array.first { $0["room"]?.string == room })
        #expect(changed["archived"]?.bool == true && changed["autoJoin"]?.bool == true, "\(changed)")
        #expect(try await server.http("PATCH", "/api/v1/admin/rooms/main", token: admin,
                                      body: jsonText(["archived": true])).body["reason"]?.string == "main_room")
        #expect(try await server.http("PATCH", "/api/v1/admin/rooms/nope", token: admin,
                                      body: jsonText(["archived": true])).status == 404)

        // Not for others, through any of these routes.
        for (method, path, body) in [("GET", "/api/v1/admin/rooms", nil), ("PATCH", "/api/v1/admin/rooms/\(room)", "{\"archived\":false}"),
                                     ("GET", "/api/v1/admin/status", nil), ("POST", "/api/v1/admin/audit/verify", nil),
                                     ("GET", "/api/v1/admin/audit/trail", nil)] {
            let refused = try await server.http(method, path, token: alice.token, body: body)
            #expect(refused.status == 403 && refused.body["reason"]?.string == "missing_permission:administer", "\(path) \(refused.body)")
        }
        await server.stop()
    }

    @Test func auditVerifyIsRecordedAndTheTrailShowsModerationNewestFirst() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let created = try await server.http("POST", "/api/v1/rooms", token: alice.token, body: jsonText(["name": "lobby"]))
        let room = try #require(created.body["room"]?.string)
        _ = try await server.http("POST", "/api/v1/rooms/\(room)/join", token: bob.token, body: "{}")
        let kicked = try await server.http("POST", "/api/v1/rooms/\(room)/moderation", token: alice.token,
                                           body: jsonText(["user": bob.user, "action": "kick", "reason": "spam"]))
        #expect(kicked.status == 200, "\(kicked.body)")
        _ = try await server.http("POST", "/api/v1/rooms/\(room)/moderation", token: alice.token,
                                  body: jsonText(["user": bob.user, "action": "ban", "reason": "again"]))

        let verified = try await server.http("POST", "/api/v1/admin/audit/verify", token: admin)
        #expect(verified.status == 200, "\(verified.body)")
        #expect(verified.body["intact"]?.bool == true && verified.body["problem"] == nil)
        let head = try #require(verified.body["head"]?.int)
        #expect(verified.body["checked"]?.int == head && verified.body["verifiedThrough"]?.int == head)
        #expect(try #require(verified.body["position"]?.int) > head, "the verification is an event after what it checked")

        let trail = try await server.http("GET", "/api/v1/admin/audit/trail?kind=member.kicked&kind=member.banned&kind=audit.verified",
                                          token: admin)
        #expect(trail.status == 200, "\(trail.body)")
        let kinds = trail.body["entries"]?.array.compactMap { $0["kind"]?.string }
        #expect(kinds == ["audit.verified", "member.banned", "member.kicked"], "\(trail.body)")
        let kick = try #require(trail.body["entries"]?.array.last)
        #expect(kick["actorName"]?.string == "alice" && kick["details"]?["user"]?.string == "bob"
                && kick["details"]?["reason"]?.string == "spam", "\(kick)")
        #expect(trail.body["truncated"]?.bool == false)

        // The newest `limit` only, and said so.
        let one = try await server.http("GET", "/api/v1/admin/audit/trail?limit=1", token: admin)
        #expect(one.body["entries"]?.array.count == 1 && one.body["truncated"]?.bool == true, "\(one.body)")
        #expect(one.body["entries"]?[0]?["kind"]?.string == "audit.verified")
        for bad in ["kind=nonsense", "limit=0", "limit=1001", "limit=abc", "from=yesterday", "timeZone=Mars/Olympus", "colour=red"] {
            let refused = try await server.http("GET", "/api/v1/admin/audit/trail?\(bad)", token: admin)
            #expect(refused.status == 400, "\(bad): \(refused.body)")
        }
        await server.stop()
    }

    @Test func statusAndUsersSayWhatRunsAndWhoIsOnlineFromWhere() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let status = try await server.http("GET", "/api/v1/admin/status", token: admin)
        #expect(status.status == 200, "\(status.body)")
        #expect(status.body["tls"] == nil || status.body["tls"] == .null, "the test server speaks plain HTTP")
        #expect(try #require(status.body["log"]?["position"]?.int) > 0 && (status.body["log"]?["bytes"]?.int ?? 0) > 0)
        #expect(status.body["version"]?.string?.isEmpty == false && status.body["uptimeSeconds"]?.int != nil)

        let client = try await server.client(alice.token)
        let users = try await server.http("GET", "/api/v1/admin/users", token: admin)
        let row = try #require(users.body.array.first { $0["user"]?.string == alice.user })
        #expect(row["online"]?.int == 1, "\(row)")
        #expect(row["lastAddress"]?.string == "127.0.0.1", "\(row)")
        #expect(try #require(row["lastSeen"]?.int) > 0 && row["phone"]?.string == "" && row["department"]?.string == "")
        await client.close()
        // Closed: no longer online, its time counted.
        var offline = false
        for _ in 0..<50 where !offline {
            try await Task.sleep(for: .milliseconds(100))
            let again = try await server.http("GET", "/api/v1/admin/users", token: admin)
            offline = again.body.array.first { $0["user"]?.string == alice.user }?["online"]?.int == 0
        }
        #expect(offline)
        await server.stop()
    }
}

/// Deleting a room: its members see it go, nobody joins it again, the log keeps it.
@Suite struct RoomDeletionTests {
    @Test func aDeletedRoomLeavesEveryMemberAndCannotBeJoinedAgain() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let created = try await server.http("POST", "/api/v1/rooms", token: alice.token, body: jsonText(["name": "old-project"]))
        let room = try #require(created.body["room"]?.string)
        _ = try await server.http("POST", "/api/v1/rooms/\(room)/join", token: bob.token, body: "{}")
        _ = try await server.http("POST", "/api/v1/rooms/\(room)/messages", token: alice.token, body: jsonText(["text": "kept for audits"]))
        let watching = try await server.client(bob.token)

        // Not by the room's owner (only administrators delete), not the general room.
        #expect(try await server.http("DELETE", "/api/v1/admin/rooms/\(room)", token: alice.token).status == 403)
        #expect(try await server.http("DELETE", "/api/v1/admin/rooms/main", token: admin).body["reason"]?.string == "main_room")
        let deleted = try await server.http("DELETE", "/api/v1/admin/rooms/\(room)", token: admin, body: jsonText(["reason": "finished"]))
        #expect(deleted.status == 200, "\(deleted.body)")
        let frame = try await watching.event { $0["kind"]?.string == "room.deleted" }
        #expect(frame["room"]?.string == room)

        for token in [alice.token, bob.token] {
            let rooms = try await server.http("GET", "/api/v1/rooms", token: token)
            #expect(!rooms.body.array.contains { $0["room"]?.string == room }, "\(rooms.body)")
            #expect(try await server.http("GET", "/api/v1/rooms/\(room)/messages", token: token).status == 404)
        }
        let directory = try await server.http("GET", "/api/v1/rooms/directory", token: bob.token)
        #expect(!directory.body.array.contains { $0["room"]?.string == room })
        #expect(try await server.http("POST", "/api/v1/rooms/\(room)/join", token: bob.token, body: "{}").status == 404)
        #expect(try await server.http("DELETE", "/api/v1/admin/rooms/\(room)", token: admin).status == 404, "deleted twice")
        // Listed for administrators as deleted, and in the trail with its reason.
        let listed = try await server.http("GET", "/api/v1/admin/rooms", token: admin)
        let row = try #require(listed.body.array.first { $0["room"]?.string == room })
        #expect(row["deleted"]?.bool == true && row["members"]?.int == 0)
        let trail = try await server.http("GET", "/api/v1/admin/audit/trail?kind=room.deleted", token: admin)
        #expect(trail.body["entries"]?[0]?["details"]?["reason"]?.string == "finished", "\(trail.body)")
        // Its name stays taken.
        let again = try await server.http("POST", "/api/v1/rooms", token: admin, body: jsonText(["name": "old-project"]))
        #expect(again.status == 409, "\(again.body)")
        await watching.close()
        await server.stop()
    }
}

/// Bots: a new token ends the old ones; when each was last used.
@Suite struct BotTokenTests {
    @Test func aNewTokenEndsTheOldOneAndLastUseIsShown() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let made = try await server.http("POST", "/api/v1/admin/bots", token: admin, body: jsonText(["username": "reportbot"]))
        let bot = try #require(made.body["user"]?.string)
        let first = try #require(made.body["token"]?.string)
        #expect(try await server.http("GET", "/api/v1/me", token: first).status == 200)
        let listed = try await server.http("GET", "/api/v1/admin/users", token: admin)
        let row = try #require(listed.body.array.first { $0["user"]?.string == bot })
        #expect(row["bot"]?.bool == true && (row["lastUsed"]?.int ?? 0) > 0 && row["sessions"]?.int == 1, "\(row)")

        let again = try await server.http("POST", "/api/v1/admin/bots/\(bot)/token", token: admin)
        #expect(again.status == 201, "\(again.body)")
        let second = try #require(again.body["token"]?.string)
        #expect(second != first)
        #expect(try await server.http("GET", "/api/v1/me", token: first).status == 401, "the old token still works")
        #expect(try await server.http("GET", "/api/v1/me", token: second).status == 200)
        #expect(try await server.http("POST", "/api/v1/admin/bots/\(alice.user)/token", token: admin).body["reason"]?.string == "not_a_bot")
        #expect(try await server.http("POST", "/api/v1/admin/bots/nobody/token", token: admin).status == 404)
        #expect(try await server.http("POST", "/api/v1/admin/bots/\(bot)/token", token: alice.token).status == 403)
        // Revoked: no token works until a new one is issued.
        #expect(try await server.http("DELETE", "/api/v1/admin/users/\(bot)/sessions", token: admin).status == 200)
        #expect(try await server.http("GET", "/api/v1/me", token: second).status == 401)
        await server.stop()
    }
}

/// The statistics dashboard's history, folded from the log (ADR 013).
@Suite struct StatisticsHistoryTests {
    @Test func theHistoryCountsWhoWasOnlineMessagesAndTheBusiestRooms() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        try await server.relaxFloodLimit()
        let created = try await server.http("POST", "/api/v1/rooms", token: alice.token, body: jsonText(["name": "busy"]))
        let busy = try #require(created.body["room"]?.string)
        for i in 0..<3 {
            _ = try await server.http("POST", "/api/v1/rooms/\(busy)/messages", token: alice.token, body: jsonText(["text": "busy \(i)"]))
        }
        _ = try await server.http("POST", "/api/v1/rooms/main/messages", token: bob.token, body: jsonText(["text": "hello"]))
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)

        let day = try await server.http("GET", "/api/v1/admin/statistics/history?range=day", token: admin)
        #expect(day.status == 200, "\(day.body)")
        #expect(day.body["bucket"]?.string == "hour" && day.body["points"]?.array.count == 24)
        let last = try #require(day.body["points"]?.array.last)
        #expect(last["usersOnline"]?.int == 2, "\(last)")
        #expect(last["messages"]?.int == 4 && (last["logins"]?.int ?? 0) >= 3 && last["connections"]?.int == 2, "\(last)")
        let rooms = day.body["busiestRooms"]?.array.compactMap { $0["room"]?.string }
        #expect(rooms == [busy, "main"], "\(day.body["busiestRooms"] ?? .null)")
        // Per room and day: the 24 hours touch one or two UTC days, today's counts last.
        let days = day.body["days"]?.array ?? []
        #expect((1...2).contains(days.count), "\(days)")
        let perDay = day.body["roomsByDay"]?.array ?? []
        #expect(perDay.first?["room"]?.string == busy && perDay.first?["messages"]?.array.count == days.count)
        #expect(perDay.first?["messages"]?.array.last?.int == 3, "\(perDay)")

        await a.close()
        await b.close()
        var closed = false
        for _ in 0..<50 where !closed {
            try await Task.sleep(for: .milliseconds(100))
            let month = try await server.http("GET", "/api/v1/admin/statistics/history?range=month", token: admin)
            let today = month.body["points"]?.array.last
            closed = (today?["bytesIn"]?.int ?? 0) > 0
            if closed {
                #expect(month.body["bucket"]?.string == "day" && month.body["points"]?.array.count == 30)
                #expect(today?["activeUsers"]?.int == 2 && today?["usersOnline"]?.int == 2, "\(today ?? .null)")
            }
        }
        #expect(closed, "the closed connections' traffic never counted")
        for bad in ["range=decade", "range=day&range=week", "span=day"] {
            #expect(try await server.http("GET", "/api/v1/admin/statistics/history?\(bad)", token: admin).status == 400, "\(bad)")
        }
        #expect(try await server.http("GET", "/api/v1/admin/statistics/history", token: alice.token).status == 403)
        await server.stop()
    }

    /// Empty hours carry who was online at the end of the hour before; a new hour starts from them.
    @Test func emptyHoursCarryWhoIsOnline() {
        var activity = ActivityView()
        let hour = ActivityView.microsecondsPerHour
        let start = 1_000 * hour
        func event(_ at: Int64, _ payload: DomainEvent, user: String) -> StoredEvent {
            StoredEvent(position: UInt64(at / 1000), timestamp: at, stream: "user:" + user, actor: UserID(user), event: payload)
        }
        activity.apply(event(start + 10, .connectionOpened(.init(connection: "c1", address: "10.0.0.5", client: "web")), user: "u1"))
        activity.apply(event(start + 20, .connectionOpened(.init(connection: "c2", address: "10.0.0.6", client: "web")), user: "u2"))
        activity.apply(event(start + 30, .connectionOpened(.init(connection: "c3", address: "10.0.0.6", client: "web")), user: "u2"))
        activity.apply(event(start + 3 * hour + 5, .connectionClosed(.init(connection: "c1", bytesIn: 10, bytesOut: 20)), user: "u1"))
        #expect(activity.hours[1_000]?.peakUsers == 2 && activity.hours[1_000]?.peakConnections == 3)
        #expect(activity.hours[1_001] == nil, "an hour with no event holds nothing")
        // The close's hour began with both still online.
        #expect(activity.hours[1_003]?.peakUsers == 2 && activity.hours[1_003]?.endUsers == 1)
        #expect(activity.hours[1_003]?.bytesIn == 10 && activity.usersOnline == 1)
        let history = StatisticsRoutes.history(activity, rooms: RoomsView(), range: .day, now: start + 3 * hour + 6)
        let online = history.points.suffix(4).map(\.usersOnline)
        #expect(online == [2, 2, 2, 2], "\(online)")
    }
}
