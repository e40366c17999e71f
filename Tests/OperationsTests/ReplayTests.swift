import EventStore
import Fixtures
import Foundation
import Operations
import Projections
import Testing

@Suite("Replay")
struct ReplayTests {
    /// A scripted history over a week, and the state at several moments of it.
    @Test func thePastIsShownAsItWas() throws {
        let dir = Scratch("replay")
        defer { dir.remove() }
        let clock = ManualClock("2026-03-02T09:00:00Z")
        let fixture = try Fixture.dated(dir.path, clock)
        try fixture.initialize(passwordHash: "x")
        let alice = try fixture.register("alice")
        let bob = try fixture.register("bob")
        let carol = try fixture.register("carol")
        try fixture.flushSync()
        clock.set("2026-03-02T10:00:00Z")
        try fixture.now(clock, CreateRoom(room: "plans", name: "Plans", topic: "Q2", visibility: .public), by: alice)
        clock.set("2026-03-03T10:00:00Z")
        try fixture.now(clock, JoinRoom(room: "plans"), by: bob)
        clock.set("2026-03-03T11:00:00Z")
        let message = try fixture.now(clock, PostMessage(room: "plans", clientID: "m1", text: "first draft"), by: bob)[0]
        clock.set("2026-03-04T10:00:00Z")
        try fixture.now(clock, EditMessage(original: MessageRef(message: message, room: "plans", author: bob), text: "final draft"), by: bob)
        clock.set("2026-03-05T10:00:00Z")
        try fixture.now(clock, ModerateRoom(room: "plans", user: bob, action: .kick(reason: "done")), by: alice)
        clock.set("2026-03-06T10:00:00Z")
        try fixture.now(clock, SetUserGroups(user: carol, groups: [.guests]), by: fixture.administrator)
        try fixture.now(clock, ChangeRoom(room: "plans", change: .topic("Q3")), by: alice)
        clock.set("2026-03-07T10:00:00Z")
        try fixture.now(clock, DeleteMessage(original: MessageRef(message: message, room: "plans", author: bob)), by: alice)
        let store = fixture.store
        func at(_ date: String) throws -> Replay {
            try Replay(store, through: try Replay.position(atOrBefore: ISO8601.parse(date, timeZone: .current)!, in: store))
        }
        // Who could read "Plans" on each day.
        #expect(try at("2026-03-02T12:00:00Z").room("Plans").members.map(\.username) == ["alice"])
        #expect(try at("2026-03-03T12:00:00Z").room("plans").members.map(\.username) == ["alice", "bob"])
        #expect(try at("2026-03-05T12:00:00Z").room("plans").members.map(\.username) == ["alice"])
        // The message as it read then.
        #expect(try at("2026-03-03T12:00:00Z").room("plans").lastMessages.map(\.text) == ["first draft"])
        let edited = try at("2026-03-04T12:00:00Z").room("plans").lastMessages[0]
        #expect(edited.text == "final draft" && edited.edited)
        #expect(try at("2026-03-07T12:00:00Z").room("plans").lastMessages[0].deleted)
        // Topic and rights then and now.
        #expect(try at("2026-03-05T12:00:00Z").room("plans").topic == "Q2")
        #expect(try at("2026-03-06T12:00:00Z").room("plans").topic == "Q3")
        #expect(try at("2026-03-05T12:00:00Z").user("carol").permissions.contains("createRooms"))
        #expect(try !at("2026-03-06T12:00:00Z").user("carol").permissions.contains("createRooms"))
        // Before the room existed.
        #expect(throws: OperationError.self) { try at("2026-03-02T09:30:00Z").room("plans") }
        // By position too.
        let byPosition = try Replay(store, through: message)
        #expect(byPosition.position == message)
        #expect(try byPosition.room("plans").lastMessages.map(\.text) == ["first draft"])
        try fixture.close()
        // The command answers the question too.
        let command = try causerie(["replay", "--data", dir.path, "--until", "2026-03-03T12:00:00Z", "--room", "Plans", "--json"])
        #expect(command.status == 0)
        #expect(command.output.contains("\"username\" : \"bob\""))
    }
}
