import Projections
import Testing

@Suite("Bulletin board")
struct BulletinTests {
    /// alice posts notices (her group has postBulletin); bob and carol are in "floor2"; dave not.
    static func office() -> Given {
        var given = Given.server(users: ["alice", "bob", "carol", "dave"])
        given.run(SaveGroup(group: "posters", name: "Posters", permissions: Permissions.defaultUser.union(.postBulletin), create: true), by: "admin")
        given.run(SetUserGroups(user: "alice", groups: ["posters"]), by: "admin")
        given.run(SaveGroup(group: "floor2", name: "Floor 2", permissions: Permissions.defaultUser, create: true), by: "admin")
        given.run(SetUserGroups(user: "bob", groups: ["users", "floor2"]), by: "admin")
        given.run(SetUserGroups(user: "carol", groups: ["users", "floor2"]), by: "admin")
        return given
    }

    @Test func onlyAdministratorsAndPostersPost() {
        let given = Self.office()
        given.when(PostBulletin(bulletin: "n1", title: "Hi", body: ""), by: "bob").thenRejected(.forbidden, "missing_permission:postBulletin")
        #expect(given.when(PostBulletin(bulletin: "n1", title: "Hi", body: ""), by: "alice").events.count == 1)
        #expect(given.when(PostBulletin(bulletin: "n1", title: "Hi", body: ""), by: "admin").events.count == 1)
        given.when(PostBulletin(bulletin: "n1", title: " ", body: ""), by: "alice").thenRejected(.invalid, "empty_title")
        given.when(PostBulletin(bulletin: "n1", title: "Hi", body: "", expiresAt: given.now - 1), by: "alice").thenRejected(.invalid, "expires")
        given.when(PostBulletin(bulletin: "n1", title: "Hi", body: "", everyone: false, groups: ["nope"]), by: "alice")
            .thenRejected(.notFound, "group")
    }

    @Test func anAudienceIsResolvedWhenPostedAndOthersSeeNothing() throws {
        var given = Self.office()
        given.run(PostBulletin(bulletin: "n1", title: "Fire drill", body: "Friday 10:00", everyone: false, groups: ["floor2"],
                               users: ["dave"], mustRead: true), by: "alice")
        let notice = try #require(given.state.bulletin["n1"])
        #expect(notice.audience.recipients == ["bob", "carol", "dave"])
        given.run(PostBulletin(bulletin: "n2", title: "Floor 2 only", body: "", everyone: false, groups: ["floor2"]), by: "alice")
        #expect(given.state.bulletin.visible(to: "dave", administrator: false).map(\.id) == ["n1"])
        #expect(given.state.bulletin.visible(to: "bob", administrator: false).map(\.id) == ["n2", "n1"])
        // Acknowledging what is not addressed to you: as if it did not exist.
        given.when(AcknowledgeBulletin(bulletin: "n2"), by: "dave").thenRejected(.notFound, "bulletin")
        given.when(AcknowledgeBulletin(bulletin: "nope"), by: "dave").thenRejected(.notFound, "bulletin")
    }

    @Test func aMustReadNoticeWaitsForEachRecipientUntilAcknowledged() {
        var given = Self.office()
        given.run(PostBulletin(bulletin: "n1", title: "Fire drill", body: "", mustRead: true), by: "alice")
        #expect(given.state.bulletin.pending(for: "bob").map(\.id) == ["n1"])
        given.run(AcknowledgeBulletin(bulletin: "n1"), by: "bob")
        #expect(given.state.bulletin.pending(for: "bob").isEmpty)
        #expect(given.state.bulletin["n1"]!.acknowledged["bob"] != nil)
        // Twice changes nothing: the first time stands.
        given.when(AcknowledgeBulletin(bulletin: "n1"), by: "bob").then([])
        // Reminders go to those who have not read it (not its author, not bob).
        given.when(RemindBulletin(bulletin: "n1"), by: "bob").thenRejected(.forbidden, "not_author")
        given.when(RemindBulletin(bulletin: "n1"), by: "alice")
            .then([.bulletinReminded(BulletinReminded(bulletin: "n1", users: ["admin", "carol", "dave"]))])
        given.run(WithdrawBulletin(bulletin: "n1"), by: "admin")
        #expect(given.state.bulletin.pending(for: "carol").isEmpty)
        given.when(AcknowledgeBulletin(bulletin: "n1"), by: "carol").thenRejected(.conflict, "bulletin_withdrawn")
    }

    @Test func anExpiredNoticeLeavesTheBoardForTheArchive() throws {
        var given = Self.office()
        given.run(PostBulletin(bulletin: "n1", title: "Lunch today", body: "", expiresAt: given.now + 3_600_000_000), by: "alice")
        let notice = try #require(given.state.bulletin["n1"])
        #expect(notice.isActive(at: given.now))
        #expect(!notice.isActive(at: given.now + 3_600_000_001))
        #expect(given.state.bulletin.unread(for: "bob", after: 0, now: given.now) == 1)
        #expect(given.state.bulletin.unread(for: "bob", after: 0, now: given.now + 3_600_000_001) == 0)
        given.run(EditBulletin(bulletin: "n1", pinned: true, expiresAt: 0), by: "alice")
        #expect(given.state.bulletin["n1"]!.isActive(at: given.now + 3_600_000_001))
        given.when(EditBulletin(bulletin: "n1", title: "x"), by: "bob").thenRejected(.forbidden, "not_author")
    }

    @Test func attachmentsAreFilesTheAuthorCouldRead() {
        var given = Self.office()
        let blob = BlobRef(sha256: String(repeating: "a", count: 64), size: 3, mediaType: "text/plain")
        given.run(StoreFile(file: "f1", area: .personal("alice"), folder: "", name: "plan.txt", blob: blob), by: "alice")
        given.run(StoreFile(file: "f2", area: .personal("bob"), folder: "", name: "secret.txt", blob: blob), by: "bob")
        given.when(PostBulletin(bulletin: "n1", title: "Plan", body: "", attachments: ["f2"]), by: "alice").thenRejected(.notFound, "file")
        given.run(PostBulletin(bulletin: "n1", title: "Plan", body: "", attachments: ["f1"]), by: "alice")
        #expect(given.state.bulletin["n1"]!.attachments == [BulletinAttachment(name: "plan.txt", blob: blob)])
        #expect(given.state.bulletin.blobs == [blob.sha256])
    }

    @Test func aMustReadBroadcastIsAcknowledgedByItsRecipients() throws {
        var given = Self.office()
        let positions = given.run(Broadcast(text: "Server maintenance tonight", recipients: ["bob"], mustRead: true), by: "admin")
        let position = try #require(positions.first)
        #expect(given.state.announcements.pending(for: "bob").map(\.position) == [position])
        given.when(AcknowledgeBroadcast(broadcast: position), by: "carol").thenRejected(.notFound, "broadcast")
        given.run(AcknowledgeBroadcast(broadcast: position), by: "bob")
        #expect(given.state.announcements.pending(for: "bob").isEmpty)
        given.when(RemindBroadcast(broadcast: position), by: "bob").thenRejected(.forbidden, "missing_permission:administer")
        given.when(RemindBroadcast(broadcast: position), by: "admin").then([])
    }
}
