import EventStore
import Foundation
@testable import Gateway
import Projections
import Testing

/// Login sessions unused for the idle period end; use, including an open connection, keeps them
/// (docs/adr/008-idle-sessions-expire.md). The idle period here is eight seconds: on a loaded
/// machine (CI builds beside the tests) registering took longer than four.
@Suite("Session expiry", .serialized)
struct SessionExpiryTests {
    static func start() async throws -> TestServer {
        try await TestServer.start { $0.limits.sessionIdleSeconds = 8 }
    }

    @Test func aSessionUsedOftenOrHeldOpenLivesAndAnUnusedOneEnds() async throws {
        let server = try await Self.start()
        defer { server.remove() }
        // Registered in this order, each session's idle time starts as late as its use allows
        // (registration pays for password hashing, which is slow on a loaded machine).
        let unused = try await server.register("carol")
        let held = try await server.register("bob")
        let connection = try await server.client(held.token)
        let often = try await server.register("alice")

        // Sixteen seconds, twice the idle period: alice calls every second, bob only holds his
        // connection open, carol does nothing.
        for _ in 0..<16 {
            try await Task.sleep(for: .seconds(1))
            let result = try await server.http("GET", "/api/v1/me", token: often.token)
            #expect(result.status == 200, "\(result.body)")
        }
        #expect(try await server.http("GET", "/api/v1/me", token: held.token).status == 200)
        let refused = try await server.http("GET", "/api/v1/me", token: unused.token)
        #expect(refused.status == 401)
        // Refused before the sweep ends it, or unknown after.
        #expect(["session_expired", "token"].contains(refused.body["reason"]?.string ?? ""))

        // The sweep ends it in the log, as an expiry.
        let carol = UserID(unused.user)
        let deadline = ContinuousClock.now + .seconds(8)
        while server.core.withState({ $0.accounts[carol]?.sessions.isEmpty == false }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(server.core.withState { $0.accounts[carol]?.sessions.isEmpty == true })
        let records = try await server.core.store.readStream(Streams.user(carol), from: nil, direction: .backward, limit: 50)
        let ended = records.compactMap { try? ChatCore.decode($0) }
            .contains { if case .sessionEnded(let e) = $0.event { e.reason == .expired } else { false } }
        #expect(ended)
        // Logging in again works.
        let again = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "carol", "password": "password-123"]))
        #expect(again.status == 200)
        await connection.close()
        await server.stop()
    }

    @Test func aConnectionOnAnExpiredSessionIsToldWhyAndClosed() async throws {
        let server = try await Self.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let client = try await server.client(alice.token)
        // Expire everything unused for more than a microsecond, as the sweep would after the idle period.
        try await Task.sleep(for: .milliseconds(10))
        try await server.core.execute(ExpireSessions(idle: 1), by: .system)
        let closing = try await client.frame { $0["type"]?.string == "closing" }
        #expect(closing["reason"]?.string == "session_expired")
        try await client.waitClosed()
        #expect(try await server.http("GET", "/api/v1/me", token: alice.token).status == 401)
        await server.stop()
    }
}
