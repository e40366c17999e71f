import Projections
import Testing

@Suite("Rooms")
struct RoomTests {
    static func withRooms() -> Given {
        var given = Given.server(users: ["alice", "bob", "carol"])
        given.run(CreateRoom(room: "pub", name: "Coffee", visibility: .public), by: "alice")
        given.run(CreateRoom(room: "priv", name: "Board", visibility: .private), by: "alice")
        given.run(CreateRoom(room: "locked", name: "Payroll", visibility: .public, passwordHash: "pw"), by: "alice")
        return given
    }

    @Test func theCreatorOwnsTheRoomAndNamesAreUnique() {
        let given = Self.withRooms()
        #expect(given.state.rooms["pub"]?.role(of: "alice") == .owner)
        given.when(CreateRoom(room: "other", name: "coffee", visibility: .public), by: "bob")
            .thenRejected(.conflict, "room_name_taken")
        given.when(CreateRoom(room: "x", name: "All hands", visibility: .public, autoJoin: true), by: "bob")
            .thenRejected(.forbidden)
    }

    @Test func publicRoomsAreOpenPrivateOnesNeedAnInvitation() {
        var given = Self.withRooms()
        given.when(JoinRoom(room: "pub"), by: "bob").then([.memberJoined(.init(user: "bob", method: .byThemselves))])
        // Not invited: the private room does not exist as far as bob can tell.
        given.when(JoinRoom(room: "priv"), by: "bob").thenRejected(.notFound)
        given.when(JoinRoom(room: "nothing"), by: "bob").thenRejected(.notFound)
        given.run(InviteToRoom(room: "priv", user: "bob"), by: "alice")
        given.when(JoinRoom(room: "priv"), by: "bob").then([.memberJoined(.init(user: "bob", method: .byInvitation))])
    }

    @Test func passwordRoomsNeedThePassword() {
        let given = Self.withRooms()
        given.when(JoinRoom(room: "locked"), by: "bob").thenRejected(.forbidden, "room_password")
        given.when(JoinRoom(room: "locked", passwordAccepted: true), by: "bob")
            .then([.memberJoined(.init(user: "bob", method: .byThemselves))])
    }

    @Test func aBannedUserCannotRejoinUntilUnbanned() {
        var given = Self.withRooms()
        given.run(JoinRoom(room: "pub"), by: "bob")
        given.when(ModerateRoom(room: "pub", user: "bob", action: .ban(reason: "spam")), by: "carol").thenRejected(.notFound)
        given.run(ModerateRoom(room: "pub", user: "bob", action: .ban(reason: "spam")), by: "alice")
        #expect(!given.state.rooms.isMember("bob", of: "pub"))
        given.when(JoinRoom(room: "pub"), by: "bob").thenRejected(.forbidden, "banned")
        given.run(ModerateRoom(room: "pub", user: "bob", action: .unban), by: "alice")
        given.when(JoinRoom(room: "pub"), by: "bob").then([.memberJoined(.init(user: "bob", method: .byThemselves))])
    }

    @Test func operatorsKickButNotTheOwner() {
        var given = Self.withRooms()
        given.run(JoinRoom(room: "pub"), by: "bob")
        given.run(JoinRoom(room: "pub"), by: "carol")
        given.when(ModerateRoom(room: "pub", user: "carol", action: .kick(reason: "")), by: "bob")
            .thenRejected(.forbidden, "not_operator")
        given.run(ModerateRoom(room: "pub", user: "bob", action: .role(.operator)), by: "alice")
        given.when(ModerateRoom(room: "pub", user: "carol", action: .kick(reason: "off topic")), by: "bob")
            .then([.memberKicked(.init(user: "carol", reason: "off topic"))])
        given.when(ModerateRoom(room: "pub", user: "alice", action: .kick(reason: "")), by: "bob")
            .thenRejected(.forbidden, "higher_role")
        // A kicked member may come back (unlike a banned one).
        given.run(ModerateRoom(room: "pub", user: "carol", action: .kick(reason: "")), by: "bob")
        given.when(JoinRoom(room: "pub"), by: "carol").then([.memberJoined(.init(user: "carol", method: .byThemselves))])
    }

    @Test func membershipHistoryAnswersWhoWasInARoomWhen() {
        var given = Self.withRooms()
        let joined = given.run(JoinRoom(room: "pub"), by: "bob")[0]
        let left = given.run(LeaveRoom(room: "pub"), by: "bob")[0]
        let room = given.state.rooms["pub"]!
        #expect(!room.wasMember("bob", at: joined - 1))
        #expect(room.wasMember("bob", at: joined))
        #expect(room.wasMember("bob", at: left))  // sees their own departure
        #expect(!room.wasMember("bob", at: left + 1))
    }

    @Test func directConversationsAreOnePerPair() {
        var given = Self.withRooms()
        let room = RoomID.direct("alice", "bob")
        #expect(room == RoomID.direct("bob", "alice"))
        let outcome = given.when(OpenDirect(with: "bob"), by: "alice")
        #expect(outcome.decision?.mustBeNew == [Streams.room(room)])
        given.apply(outcome.decision!.events, by: "alice")
        given.when(OpenDirect(with: "alice"), by: "bob").then([])
        given.when(LeaveRoom(room: room), by: "bob").thenRejected(.forbidden, "direct_conversation")
        given.when(PostMessage(room: room, clientID: "c1", text: "hi"), by: "carol").thenRejected(.notFound)
    }

    @Test func autoJoinRoomsTakeEveryoneInIncludingLaterUsers() {
        var given = Self.withRooms()
        given.run(CreateRoom(room: "news", name: "News", visibility: .public, nonLeavable: true, autoJoin: true), by: "admin")
        #expect(given.state.rooms["news"]!.members.isSuperset(of: ["alice", "bob", "carol", "admin"]))
        given.register("dave")
        #expect(given.state.rooms.isMember("dave", of: "news"))
        given.when(LeaveRoom(room: "news"), by: "dave").thenRejected(.forbidden, "non_leavable")
    }
}
