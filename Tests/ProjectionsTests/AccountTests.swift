import Projections
import Testing

@Suite("Accounts")
struct AccountTests {
    @Test func firstStartCreatesTheAdministratorWithAOneTimePasswordAndTheGeneralRoom() {
        var given = Given()
        let outcome = given.when(
            InitializeServer(serverName: "Office", administrator: "admin", username: "admin", passwordHash: "otp"), by: .system)
        let events = outcome.events
        #expect(events.contains(.userRegistered(.init(
            user: "admin", username: "admin", displayName: "admin", email: "", passwordHash: "otp", recovery: nil,
            groups: [.administrators, .users], mustChangePassword: true, origin: .firstAdministrator))))
        #expect(events.contains { if case .roomCreated(let r) = $0 { r.room == .main && r.autoJoin && r.nonLeavable } else { false } })
        given.apply(outcome.decision!.events, by: .system)
        #expect(given.state.rooms.isMember("admin", of: .main))
        given.when(InitializeServer(serverName: "Again", administrator: "x", username: "x", passwordHash: "h"), by: .system)
            .thenRejected(.conflict, "already_initialized")
    }

    @Test func theOneTimePasswordMustBeChangedBeforeAnythingElse() {
        var given = Given()
        given.run(InitializeServer(serverName: "Office", administrator: "admin", username: "admin", passwordHash: "otp"),
                  by: .system)
        given.when(CreateRoom(room: "r1", name: "Ops", visibility: .public), by: "admin")
            .thenRejected(.forbidden, "password_change_required")
        given.when(ChangePassword(user: "admin", passwordHash: "new", reason: .byUser), by: "admin")
            .then([.passwordChanged(.init(passwordHash: "new", mustChange: false, reason: .byUser))])
    }

    @Test func selfRegistrationJoinsTheGeneralRoomWhichCannotBeLeft() {
        var given = Given.server(users: ["alice"])
        #expect(given.state.rooms.isMember("alice", of: .main))
        #expect(given.state.permissions(of: "alice") == .defaultUser)
        given.when(LeaveRoom(room: .main), by: "alice").thenRejected(.forbidden, "non_leavable")
        given.run(ChangeSettings(settings: ServerSettings(serverName: "Office", registrationOpen: false)), by: "admin")
        given.when(RegisterUser(user: "bob", username: "bob", displayName: "", email: "", passwordHash: "h",
                                recovery: RecoveryQuestion(question: "q", answerHash: "a"), selfRegistration: true), by: "bob")
            .thenRejected(.forbidden, "registration_closed")
        // Administrators still create accounts.
        #expect(given.when(RegisterUser(user: "bob", username: "bob", displayName: "", email: "", passwordHash: "h",
                                        recovery: nil, selfRegistration: false), by: "admin").events.count == 2)
    }

    @Test(arguments: [-1, Limits.maxRetentionDays + 1, Int.max])
    func retentionOutsideACenturyIsRefused(days: Int) {
        Given.server().when(ChangeSettings(settings: ServerSettings(serverName: "Office", retentionDays: days)), by: "admin")
            .thenRejected(.invalid, "retention_days")
    }

    /// "Alice" in other case, with a Cyrillic "а", in full-width letters, with a Greek "ο".
    @Test(arguments: ["Alice", "ALICE", "\u{0430}lice", "\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}", "alic\u{0435}"])
    func namesThatLookTheSameAreDuplicates(name: String) {
        Given.server(users: ["alice"]).when(
            RegisterUser(user: "x", username: name, displayName: "", email: "", passwordHash: "h",
                         recovery: RecoveryQuestion(question: "q", answerHash: "a"), selfRegistration: true), by: "x")
            .thenRejected(.conflict, "username_taken")
    }

    @Test(arguments: ["a", "has space", "bad\u{202E}name", "zero\u{200B}width", "tab\tname", String(repeating: "x", count: 33),
                      "<script>"])
    func badUsernamesAreRefused(name: String) {
        Given.server().when(RegisterUser(user: "x", username: name, displayName: "", email: "", passwordHash: "h",
                                         recovery: RecoveryQuestion(question: "q", answerHash: "a"),
                                         selfRegistration: true), by: "x")
            .thenRejected(.invalid, "username")
    }

    @Test func disablingEndsSessionsAndBlocksActions() {
        var given = Given.server(users: ["alice"])
        given.run(StartSession(tokenHash: "t1", address: "10.0.0.2"), by: "alice")
        #expect(given.state.accounts.sessionOwners["t1"] == "alice")
        given.run(SetUserDisabled(user: "alice", disabled: true), by: "admin")
        #expect(given.state.accounts.sessionOwners["t1"] == nil)
        given.when(StartSession(tokenHash: "t2", address: "10.0.0.2"), by: "alice").thenRejected(.forbidden, "account_disabled")
        given.when(SetUserDisabled(user: "admin", disabled: true), by: "admin").thenRejected(.forbidden, "not_yourself")
        given.when(SetUserDisabled(user: "admin", disabled: true), by: "alice").thenRejected(.forbidden)
    }

    @Test func anAdministratorResetForcesAChangeAndEndsSessions() {
        var given = Given.server(users: ["alice"])
        given.run(StartSession(tokenHash: "t1", address: "a"), by: "alice")
        given.when(ChangePassword(user: "alice", passwordHash: "reset", reason: .resetByAdministrator), by: "admin").then([
            .passwordChanged(.init(passwordHash: "reset", mustChange: true, reason: .resetByAdministrator)),
            .sessionEnded(.init(tokenHash: "t1", reason: .passwordChanged)),
        ])
        given.when(ChangePassword(user: "alice", passwordHash: "x", reason: .resetByAdministrator), by: "alice")
            .thenRejected(.forbidden)
    }

    @Test func quickPhrasesAreLimitedToTen() {
        let given = Given.server(users: ["alice"])
        given.when(SetQuickPhrases(phrases: (1...10).map { "phrase \($0)" }), by: "alice")
            .then([.quickPhrasesChanged(.init(phrases: (1...10).map { "phrase \($0)" }))])
        given.when(SetQuickPhrases(phrases: (1...11).map { "phrase \($0)" }), by: "alice").thenRejected(.tooLarge)
    }

    @Test func administratorsCannotLockThemselvesOut() {
        let given = Given.server(users: ["alice"])
        given.when(SetUserGroups(user: "admin", groups: [.users]), by: "admin").thenRejected(.forbidden, "would_lock_out")
        given.when(SaveGroup(group: .administrators, name: "Admins", permissions: .defaultUser, create: false), by: "admin")
            .thenRejected(.forbidden, "would_lock_out")
        given.when(SetUserGroups(user: "alice", groups: [.administrators]), by: "alice").thenRejected(.forbidden)
    }
}
