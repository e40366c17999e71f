import Foundation
import Projections
@testable import Gateway
import Testing

@Suite("Rights, filters and limits", .serialized)
struct RightsTests {
    @Test func aRightRemovedAppliesAtOnceWithoutReconnecting() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let a = try await server.client(alice.token)
        #expect(try await a.send("post", ["room": "main", "clientId": "1", "text": "allowed"])["type"]?.string == "ok")
        let permissions = ["sendMessages", "directMessages", "createRooms", "useEmoticons", "sendFiles", "voice", "video", "kanban"]
        let change = try await server.http("PUT", "/api/v1/admin/groups/users", token: admin, body: jsonText([
            "name": "Users", "permissions": permissions]))
        #expect(change.status == 200)
        let pushed = try await a.frame { $0["type"]?.string == "capabilities" }
        #expect(!pushed["capabilities"]!.array.contains(.string("postToRooms")))
        let refused = try await a.send("post", ["room": "main", "clientId": "2", "text": "not any more"])
        #expect(refused["code"]?.string == "forbidden")
        // Given back, it works again on the same connection.
        _ = try await server.http("PUT", "/api/v1/admin/groups/users", token: admin, body: jsonText([
            "name": "Users", "permissions": permissions + ["postToRooms"]]))
        _ = try await a.frame { $0["type"]?.string == "capabilities" && $0["capabilities"]!.array.contains(.string("postToRooms")) }
        #expect(try await a.send("post", ["room": "main", "clientId": "3", "text": "again"])["type"]?.string == "ok")
        await a.close()
        await server.stop()
    }

    @Test func floodLimitRefusesWithADelayAndWordFilterMasksOrRefuses() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        _ = try await server.http("PUT", "/api/v1/admin/filters", token: admin, body: jsonText([
            "floodBurst": 3, "floodPerMinute": 6, "words": ["darn"], "wordMode": "mask"]))
        let alice = try await server.register("alice")
        let a = try await server.client(alice.token)
        for index in 0..<3 {
            #expect(try await a.send("post", ["room": "main", "clientId": "f\(index)", "text": "ok \(index)"])["type"]?.string == "ok")
        }
        let flooded = try await a.send("post", ["room": "main", "clientId": "f4", "text": "too fast"])
        #expect(flooded["code"]?.string == "rateLimited" && flooded["reason"]?.string == "flood")
        #expect((flooded["retryAfter"]?.int ?? 0) >= 1)
        let filters = try await server.http("GET", "/api/v1/admin/filters", token: admin)
        #expect(filters.body["words"]?.array == [.string("darn")])
        _ = try await server.http("PUT", "/api/v1/admin/filters", token: admin, body: jsonText(["floodBurst": 100, "floodPerMinute": 6000]))
        try await Task.sleep(for: .seconds(1))
        let masked = try #require(try await a.send("post", ["room": "main", "clientId": "w1", "text": "Darn it"])["position"]?.uint64)
        let event = try await a.event { $0["position"]?.uint64 == masked }
        #expect(event["text"]?.string == "**** it")
        _ = try await server.http("PUT", "/api/v1/admin/filters", token: admin, body: jsonText(["wordMode": "reject"]))
        #expect(try await a.send("post", ["room": "main", "clientId": "w2", "text": "oh darn"])["reason"]?.string == "filtered_word")
        // Maximum length.
        let long = try await a.send("post", ["room": "main", "clientId": "l", "text": String(repeating: "y", count: 4001)])
        #expect(long["reason"]?.string == "message_too_long")
        await a.close()
        await server.stop()
    }

    @Test func serverPasswordAndAddressRules() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        _ = try await server.http("PUT", "/api/v1/admin/filters", token: admin, body: jsonText(["serverPassword": "office-only"]))
        let info = try await server.http("GET", "/api/v1/server")
        #expect(info.body["serverPasswordRequired"]?.bool == true)
        let without = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "alice", "password": "password-123"]))
        #expect(without.status == 403 && without.body["reason"]?.string == "server_password")
        let with = try await server.http("POST", "/api/v1/login", body: jsonText([
            "username": "alice", "password": "password-123", "serverPassword": "office-only"]))
        #expect(with.status == 200)
        let socket = try await TestClient.connect(port: server.port)
        do {
            try await socket.hello(alice.token)
            Issue.record("a hello without the server password must be refused")
        } catch {}
        let ok = try await TestClient.connect(port: server.port)
        try await ok.hello(alice.token, extra: ["serverPassword": "office-only"])
        await ok.close()
        // Deny loopback: every request is refused. Over HTTP the administrator cannot shut out
        // their own address (would_lock_out: AddressLockOutTests); a rule decided without a
        // door's address, as a tool on the server would write it, can.
        let me = try await server.http("GET", "/api/v1/me", token: admin)
        let adminID = UserID(try #require(me.body["user"]?.string))
        _ = try await server.core.execute(ChangeFilters(.addresses(allow: [], deny: ["127.0.0.0/8"])), by: adminID)
        let denied = try await server.http("GET", "/api/v1/server")
        #expect(denied.status == 403 && denied.body["reason"]?.string == "address_denied")
        await server.stop()
    }
}
