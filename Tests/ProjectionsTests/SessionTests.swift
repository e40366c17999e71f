import Projections
import Testing

/// Idle login sessions expire; use starts their idle time over (docs/adr/008-idle-sessions-expire.md).
@Suite("Sessions")
struct SessionTests {
    static let day: Int64 = 86_400_000_000

    @Test func aSessionUsedAgainIsMarkedAndAnUnknownOneIsNot() {
        var given = Given.server(users: ["alice"])
        given.run(StartSession(tokenHash: "t1", address: "10.0.0.1"), by: "alice")
        given.when(RefreshSession(tokenHash: "t1"), by: "alice").then([.sessionRefreshed(.init(tokenHash: "t1"))])
        given.advance(seconds: 3600)
        let before = given.now
        given.run(RefreshSession(tokenHash: "t1"), by: "alice")
        #expect(given.state.accounts["alice"]?.sessions["t1"]?.usedAt ?? 0 > before)
        // Someone else's token, or one that ended: nothing to record.
        given.when(RefreshSession(tokenHash: "t1"), by: "admin").then([])
        given.run(EndSession(user: "alice", tokenHash: "t1"), by: "alice")
        given.when(RefreshSession(tokenHash: "t1"), by: "alice").then([])
    }

    @Test func loginSessionsUnusedForTheIdlePeriodEndAndBotsDoNot() {
        var given = Given.server(users: ["alice", "bob"])
        given.run(StartSession(tokenHash: "old", address: "10.0.0.1"), by: "alice")
        given.run(StartSession(tokenHash: "used", address: "10.0.0.2"), by: "bob")
        given.run(CreateBot(user: "robot", username: "robot", tokenHash: "bot", groups: [.users]), by: "admin")
        given.advance(seconds: 20 * 86_400)
        given.run(RefreshSession(tokenHash: "used"), by: "bob")
        given.advance(seconds: 11 * 86_400)
        // 31 days after the start; bob's session was used 11 days ago.
        given.when(ExpireSessions(idle: 30 * Self.day), by: .system)
            .then([.sessionEnded(.init(tokenHash: "old", reason: .expired))])
        given.run(ExpireSessions(idle: 30 * Self.day), by: .system)
        #expect(given.state.accounts["alice"]?.sessions["old"] == nil)
        #expect(given.state.accounts.sessionOwners["old"] == nil)
        #expect(given.state.accounts["bob"]?.sessions["used"] != nil)
        #expect(given.state.accounts["robot"]?.sessions["bot"] != nil)
        // Only the server's upkeep may expire sessions.
        given.when(ExpireSessions(idle: 1), by: "admin").thenRejected(.forbidden, "system_only")
    }
}
