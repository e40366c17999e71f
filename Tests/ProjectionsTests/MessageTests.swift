import Projections
import Testing

@Suite("Messages")
struct MessageTests {
    @Test func membersPostAndRetriesAreNotPostedTwice() {
        var given = Given.server(users: ["alice", "bob"])
        given.when(PostMessage(room: .main, clientID: "c1", text: "  Hello @bob  "), by: "alice")
            .then([.messagePosted(.init(clientID: "c1", text: "Hello @bob", replyTo: nil, mentions: ["bob"]))])
        let position = given.run(PostMessage(room: .main, clientID: "c1", text: "Hello"), by: "alice")[0]
        #expect(given.when(PostMessage(room: .main, clientID: "c1", text: "Hello"), by: "alice").decision?.alreadyDone == position)
        // The same client id from someone else is another message.
        #expect(given.when(PostMessage(room: .main, clientID: "c1", text: "Hi"), by: "bob").events.count == 1)
    }

    @Test func textRulesApply() {
        var given = Given.server(users: ["alice"])
        given.when(PostMessage(room: .main, clientID: "c", text: "   "), by: "alice").thenRejected(.invalid, "empty_message")
        given.when(PostMessage(room: .main, clientID: "c", text: String(repeating: "x", count: 4001)), by: "alice")
            .thenRejected(.tooLarge, "message_too_long")
        given.when(PostMessage(room: .main, clientID: "bad id!", text: "x"), by: "alice").thenRejected(.invalid, "client_id")
        given.run(ChangeFilters(.words(WordFilter(words: ["darn"], mode: .mask))), by: "admin")
        given.when(PostMessage(room: .main, clientID: "c", text: "Darn it"), by: "alice")
            .then([.messagePosted(.init(clientID: "c", text: "**** it", replyTo: nil, mentions: []))])
        given.run(ChangeFilters(.words(WordFilter(words: ["darn"], mode: .reject))), by: "admin")
        given.when(PostMessage(room: .main, clientID: "c", text: "oh DARN"), by: "alice").thenRejected(.forbidden, "filtered_word")
    }

    @Test func onlyAuthorsEditAndAuthorsOrOperatorsDelete() {
        var given = Given.server(users: ["alice", "bob"])
        let position = given.run(PostMessage(room: .main, clientID: "c1", text: "tpyo"), by: "alice")[0]
        let ref = MessageRef(message: position, room: .main, author: "alice")
        given.when(EditMessage(original: ref, text: "typo"), by: "bob").thenRejected(.forbidden, "not_author")
        given.when(EditMessage(original: ref, text: "typo"), by: "alice")
            .then([.messageEdited(.init(message: position, text: "typo", mentions: []))])
        given.when(DeleteMessage(original: ref), by: "bob").thenRejected(.forbidden)
        given.when(DeleteMessage(original: ref), by: "admin").then([.messageDeleted(.init(message: position))])
        given.run(DeleteMessage(original: ref), by: "alice")
        #expect(given.state.timelines[.main]?.revisions[position]?.deleted == true)
        given.when(EditMessage(original: ref, text: "again"), by: "alice").thenRejected(.notFound)
    }

    @Test func mutedMembersWaitAndGetTheDelay() {
        var given = Given.server(users: ["alice", "bob"])
        given.run(ModerateRoom(room: .main, user: "bob", action: .mute(until: given.now + 60_000_000)), by: "admin")
        let outcome = given.when(PostMessage(room: .main, clientID: "c", text: "hi"), by: "bob")
        outcome.thenRejected(.forbidden, "muted")
        if case .failure(let rejection) = outcome.result { #expect(rejection.retryAfter == 60) }
        given.advance(seconds: 61)
        #expect(given.when(PostMessage(room: .main, clientID: "c", text: "hi"), by: "bob").events.count == 1)
    }

    @Test func rightsRemovedApplyAtOnce() {
        var given = Given.server(users: ["alice"])
        #expect(given.when(PostMessage(room: .main, clientID: "c", text: "hi"), by: "alice").events.count == 1)
        given.run(SaveGroup(group: .users, name: "Users", permissions: Permissions.defaultUser.subtracting(.postToRooms),
                            create: false), by: "admin")
        // Only the right she lacks is named, not the one she still has (sendMessages).
        given.when(PostMessage(room: .main, clientID: "c", text: "hi"), by: "alice")
            .thenRejected(.forbidden, "missing_permission:postToRooms")
        // Emoticons are a right of their own.
        given.run(SetUserGroups(user: "alice", groups: [.guests]), by: "admin")
        given.run(SaveGroup(group: .guests, name: "Guests", permissions: [.sendMessages, .postToRooms], create: false),
                  by: "admin")
        given.when(PostMessage(room: .main, clientID: "c", text: "hi 😀"), by: "alice")
            .thenRejected(.forbidden, "missing_permission:useEmoticons")
        given.when(CreateRoom(room: "r", name: "Mine", visibility: .public), by: "alice").thenRejected(.forbidden)
    }

    @Test func unreadAndMentionCountsFollowReadMarks() {
        var given = Given.server(users: ["alice", "bob"])
        given.run(PostMessage(room: .main, clientID: "a", text: "one"), by: "alice")
        let second = given.run(PostMessage(room: .main, clientID: "b", text: "two @bob"), by: "alice")[0]
        given.run(PostMessage(room: .main, clientID: "c", text: "three @bob"), by: "alice")
        #expect(given.state.unreadCount("bob", .main) == 3)
        #expect(given.state.reads.mentionCount("bob", .main) == 2)
        #expect(given.state.unreadCount("alice", .main) == 0)
        given.run(MarkRead(room: .main, position: second), by: "bob")
        #expect(given.state.unreadCount("bob", .main) == 1)
        #expect(given.state.reads.mentionCount("bob", .main) == 1)
        // Posting reads the conversation.
        given.run(PostMessage(room: .main, clientID: "d", text: "ok"), by: "bob")
        #expect(given.state.unreadCount("bob", .main) == 0)
    }

    /// Under a retention horizon, only what is at or after it counts (docs/adr/007).
    @Test func countsStartAtTheRetentionHorizon() {
        var given = Given.server(users: ["alice", "bob"])
        given.run(PostMessage(room: .main, clientID: "a", text: "one @bob"), by: "alice")
        let second = given.run(PostMessage(room: .main, clientID: "b", text: "two @bob"), by: "alice")[0]
        given.run(PostMessage(room: .main, clientID: "c", text: "three"), by: "alice")
        #expect(given.state.unreadCount("bob", .main, from: 1) == 3)
        #expect(given.state.unreadCount("bob", .main, from: second) == 2)
        #expect(given.state.reads.mentionCount("bob", .main, from: second) == 1)
        #expect(given.state.unreadCount("bob", .main, from: second + 2) == 0)
        #expect(given.state.reads.mentionCount("bob", .main, from: second + 1) == 0)
        // A read mark past the horizon still counts from the mark.
        given.run(MarkRead(room: .main, position: second), by: "bob")
        #expect(given.state.unreadCount("bob", .main, from: 1) == 1)
        #expect(given.state.unreadCount("bob", .main, from: second) == 1)
    }
}
