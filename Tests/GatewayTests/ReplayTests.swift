import Foundation
@testable import Gateway
import EventStore
import Projections
import Testing

@Suite("Replay", .serialized)
struct ReplayTests {
    /// The views folded from the log by a restarted server equal the views it had live.
    @Test func viewsRebuiltAfterARestartEqualTheLiveOnes() async throws {
        let server = try await TestServer.start()
        let directory = server.directory
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)
        let room = try #require(try await a.send("createRoom", ["name": "Plans", "visibility": "public"])["room"]?.string)
        try await b.send("join", ["room": room])
        let posted = try #require(try await a.send("post", ["room": room, "clientId": "1", "text": "draft @bob"])["position"]?.uint64)
        try await a.send("edit", ["message": Int(posted), "text": "final @bob"])
        try await b.send("direct", ["user": alice.user, "clientId": "d", "text": "ok"])
        try await a.send("moderate", ["room": room, "user": bob.user, "action": "mute", "minutes": 3])
        try await b.send("read", ["room": room, "upTo": Int(posted)])
        _ = try await server.http("POST", "/api/v1/admin/groups", token: admin, body: jsonText([
            "id": "editors", "name": "Editors", "permissions": ["sendMessages", "postToRooms"]]))
        await a.close()
        await b.close()
        try await Task.sleep(for: .milliseconds(300))
        // Quiet now: everything appended has been applied.
        let head = try server.server.store.currentHead().position
        #expect(server.core.position == head)
        let live = server.core.withState { $0 }
        await server.stop()

        let restarted = try await ChatServer.open(server.server.configuration, logger: TestServer.quiet)
        defer { restarted.close() }
        let rebuilt = restarted.core.withState { $0 }
        #expect(rebuilt.position == live.position)
        #expect(rebuilt == live)
        _ = directory
    }
}
