import EventStore
import Foundation
import Projections
import Synchronization

/// What clients ask for, over HTTP or WebSocket alike: each action prepares a command (hashing
/// passwords, loading the message replied to, minting ids), runs it, and maps failures to
/// `APIError`. The transports only parse and render.
extension ChatCore {
    // MARK: Sessions

    struct Login: Sendable {
        var token: String
        var user: UserID
        var mustChangePassword: Bool
    }

    /// Checks the server password, if the server has one.
    func checkServerPassword(_ given: String?) async throws(APIError) {
        guard let hash = withState({ $0.server.serverPasswordHash }) else { return }
        guard let given, !given.isEmpty else { throw APIError(code: "forbidden", reason: "server_password", status: 403) }
        let key = SecureRandom.tokenHash(hash + "\u{0}" + given)
        if verifiedServerPasswords.withLock({ $0.contains(key) }) { return }
        guard await passwords.verify(given, against: hash) else {
            throw APIError(code: "forbidden", reason: "server_password", status: 403)
        }
        verifiedServerPasswords.withLock { cache in
            if cache.count > 64 { cache.removeAll() }
            cache.insert(key)
        }
    }

    /// Whether the address may connect at all (the admin's allow and deny lists).
    func addressAllowed(_ address: String) -> Bool {
        let (allow, deny) = withState { ($0.server.allow, $0.server.deny) }
        return AddressRules.admit(address, allow: allow, deny: deny)
    }

    func login(username: String, password: String, address: String, serverPassword: String?) async throws(APIError)
        -> Login
    {
        try await checkServerPassword(serverPassword)
        let key = Names.key(username)
        if let wait = logins.wait(account: key, address: address) {
            throw APIError.rateLimited("login_attempts", after: wait)
        }
        let account = withState { $0.accounts.user(named: username) }
        let hash = account?.passwordHash ?? decoyHash
        // Verify even for unknown names, so that timing does not tell which names exist.
        let matches = await passwords.verify(String(password.prefix(Limits.passwordBytes)), against: hash)
        guard let account, matches, account.origin != .bot else {
            logins.failed(account: key, address: address)
            if let account { _ = try? await execute(RecordLoginFailure(address: address), by: account.id) }
            throw APIError(code: "unauthorized", reason: "credentials", status: 401)
        }
        logins.succeeded(account: key)
        let (token, tokenHash) = SecureRandom.token()
        try await execute(StartSession(tokenHash: tokenHash, address: address), by: account.id)
        return Login(token: token, user: account.id, mustChangePassword: account.mustChangePassword)
    }

    /// The user a bearer token belongs to. A login session unused for longer than the idle period
    /// is refused, and one last marked used a while ago is marked again (docs/adr/008).
    func authenticate(_ token: String?) throws(APIError) -> (user: UserID, tokenHash: String) {
        guard let token, !token.isEmpty, token.utf8.count <= 128 else { throw APIError.unauthorized }
        return try authenticate(sessionHash: SecureRandom.tokenHash(token))
    }

    /// The user a live session belongs to, by its token's hash (a file read key names it).
    func authenticate(sessionHash hash: String) throws(APIError) -> (user: UserID, tokenHash: String) {
        guard let (user, session) = withState({ state -> (UserID, AccountsView.Session)? in
            // App passwords open the file doors only (DoorLogin), never the API.
            guard let user = state.accounts.sessionOwners[hash], let account = state.accounts[user], !account.disabled,
                  let session = account.sessions[hash], session.kind != .app
            else { return nil }
            return (user, session)
        }) else { throw APIError.unauthorized }
        if session.kind == .login, let idle = sessionIdle {
            let unused = Timestamp.now().microseconds - session.usedAt
            if unused > idle { throw APIError.sessionExpired }
            if unused > sessionRefreshInterval { refreshSoon(user, tokenHash: hash) }
        }
        return (user, hash)
    }

    func logout(_ user: UserID, tokenHash: String) async throws(APIError) {
        try await execute(EndSession(user: user, tokenHash: tokenHash), by: user)
    }

    struct Registration: Sendable {
        var username: String
        var password: String
        var displayName: String
        var email: String
        var question: String
        var answer: String
    }

    func register(_ form: Registration, serverPassword: String?, address: String) async throws(APIError) -> Login {
        try await checkServerPassword(serverPassword)
        // Closed: say so before anything else (a taken name must not leak through a closed door).
        guard withState({ $0.server.settings.registrationOpen }) else { throw APIError(Rejection.forbidden("registration_closed")) }
        try checkPassword(form.password)
        guard !form.question.trimmingCharacters(in: .whitespaces).isEmpty,
              !Self.normalizedAnswer(form.answer).isEmpty
        else { throw APIError.invalid("recovery_question") }
        guard form.answer.count <= Limits.answer else { throw APIError.tooLarge("recovery_answer") }
        // Refuse before paying for two hashes.
        if let name = Names.username(form.username), withState({ $0.accounts.byKey[name.key] != nil }) {
            throw APIError(Rejection.conflict("username_taken"))
        }
        let passwordHash = await passwords.hash(form.password)
        let answerHash = await passwords.hash(Self.normalizedAnswer(form.answer))
        let user = UserID(SecureRandom.identifier("u"))
        try await execute(RegisterUser(
            user: user, username: form.username, displayName: form.displayName, email: form.email,
            passwordHash: passwordHash, recovery: RecoveryQuestion(question: form.question, answerHash: answerHash),
            selfRegistration: true), by: user)
        // Logged in as the account just made (not by its name again: the name was normalised,
        // and a login could be throttled after the account exists).
        let (token, tokenHash) = SecureRandom.token()
        try await execute(StartSession(tokenHash: tokenHash, address: address), by: user)
        return Login(token: token, user: user, mustChangePassword: false)
    }

    func checkPassword(_ password: String) throws(APIError) {
        guard password.count >= Limits.minimumPassword else { throw APIError.invalid("password_too_short") }
        guard password.utf8.count <= Limits.passwordBytes else { throw APIError.tooLarge("password") }
    }

    static func normalizedAnswer(_ answer: String) -> String {
        answer.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .precomposedStringWithCompatibilityMapping
    }

    /// The recovery question of an account (unknown names get a plausible refusal, not a hint).
    /// Behind the server password, and throttled per address like logins: asking for every name
    /// in turn is guessing.
    func recoveryQuestion(username: String, address: String, serverPassword: String?) async throws(APIError) -> String {
        try await checkServerPassword(serverPassword)
        let key = Names.key(username)
        if let wait = logins.wait(account: key, address: address) { throw APIError.rateLimited("login_attempts", after: wait) }
        guard let question = withState({ $0.accounts.user(named: username)?.recovery?.question }) else {
            logins.failed(account: key, address: address)
            throw APIError.notFound("user")
        }
        return question
    }

    func recover(username: String, answer: String, newPassword: String, address: String, serverPassword: String?)
        async throws(APIError)
    {
        try await checkServerPassword(serverPassword)
        let key = Names.key(username)
        if let wait = logins.wait(account: key, address: address) {
            throw APIError.rateLimited("login_attempts", after: wait)
        }
        try checkPassword(newPassword)
        let account = withState { $0.accounts.user(named: username) }
        guard let account, let recovery = account.recovery,
              await passwords.verify(Self.normalizedAnswer(answer), against: recovery.answerHash)
        else {
            logins.failed(account: key, address: address)
            throw APIError(code: "unauthorized", reason: "credentials", status: 401)
        }
        logins.succeeded(account: key)
        let hash = await passwords.hash(newPassword)
        try await execute(ChangePassword(user: account.id, passwordHash: hash, reason: .recovered), by: account.id)
    }

    /// A wrong current password is 403 `current_password` (not 401, which clients read as "your
    /// session ended"), throttled like a login.
    func changePassword(_ user: UserID, current: String, new: String, keepSession: String, address: String)
        async throws(APIError)
    {
        try checkPassword(new)
        let key = "id:" + user.rawValue
        if let wait = logins.wait(account: key, address: address) { throw APIError.rateLimited("login_attempts", after: wait) }
        guard current.utf8.count <= Limits.passwordBytes, let stored = withState({ $0.accounts[user]?.passwordHash }),
              await passwords.verify(current, against: stored)
        else {
            logins.failed(account: key, address: address)
            throw APIError(Rejection.forbidden("current_password"))
        }
        logins.succeeded(account: key)
        guard current != new else { throw APIError.invalid("same_password") }
        let hash = await passwords.hash(new)
        try await execute(ChangePassword(user: user, passwordHash: hash, reason: .byUser, keepSession: keepSession), by: user)
    }

    // MARK: Messages

    /// A message in a room. The anti-flood limit counts only messages that would be posted (not
    /// a retry, not one refused for its text or rights: those tell the sender why instead).
    func post(_ user: UserID, room: RoomID, clientID: String, text: String, replyTo: UInt64?) async throws(APIError)
        -> UInt64
    {
        var reference: MessageRef?
        if let replyTo { reference = try await message(at: replyTo, visibleTo: user) }
        return try await execute(PostMessage(room: room, clientID: clientID, text: text, replyTo: reference), by: user,
                                 admit: floodGate(user))
    }

    /// Takes a token from the user's anti-flood bucket, or refuses with the wait.
    func floodGate(_ user: UserID) -> () throws(APIError) -> Void {
        { () throws(APIError) in
            let limit = self.withState { $0.server.flood }
            if let wait = self.flood.take(user, limit: limit) { throw APIError.rateLimited("flood", after: wait) }
        }
    }

    /// A direct message: the conversation is created with the first one (one decision: a refused
    /// message leaves no empty conversation).
    func postDirect(_ user: UserID, to other: UserID, clientID: String, text: String, replyTo: UInt64? = nil)
        async throws(APIError) -> (room: RoomID, position: UInt64)
    {
        let room = RoomID.direct(user, other)
        var reference: MessageRef?
        if let replyTo { reference = try await message(at: replyTo, visibleTo: user) }
        let command = SendDirect(to: other, clientID: clientID, text: text, replyTo: reference)
        do {
            return (room, try await execute(command, by: user, admit: floodGate(user)))
        } catch where error.reason == "direct_exists" {
            // The other person opened it at the same moment: it exists now; send into it.
            return (room, try await execute(command, by: user, admit: floodGate(user)))
        }
    }

    func openDirect(_ user: UserID, with other: UserID) async throws(APIError) -> RoomID {
        do {
            try await execute(OpenDirect(with: other), by: user)
        } catch where error.reason == "direct_exists" {
            // Opened by the other person at the same moment: it exists, which is what we want.
        }
        return RoomID.direct(user, other)
    }

    /// The message posted at `position`, if the user is in its room.
    func message(at position: UInt64, visibleTo user: UserID) async throws(APIError) -> MessageRef {
        let record: RecordedEvent?
        do {
            record = try await store.read(from: position, limit: 1).first { $0.position == position }
        } catch {
            throw APIError.notFound("message")
        }
        guard let record, let stored = try? Self.decode(record), case .messagePosted = stored.event,
              let room = stored.room, withState({ $0.rooms.isMember(user, of: room) })
        else { throw APIError.notFound("message") }
        return MessageRef(message: position, room: room, author: stored.actor)
    }

    func edit(_ user: UserID, message position: UInt64, text: String) async throws(APIError) -> UInt64 {
        let reference = try await message(at: position, visibleTo: user)
        return try await execute(EditMessage(original: reference, text: text), by: user)
    }

    func delete(_ user: UserID, message position: UInt64) async throws(APIError) -> UInt64 {
        let reference = try await message(at: position, visibleTo: user)
        return try await execute(DeleteMessage(original: reference), by: user)
    }

    // MARK: Rooms

    struct RoomForm: Sendable {
        var name: String
        var topic: String = ""
        var visibility: RoomVisibility = .public
        var password: String?
        var nonLeavable = false
        var autoJoin = false
    }

    func createRoom(_ user: UserID, _ form: RoomForm) async throws(APIError) -> (room: RoomID, position: UInt64) {
        let room = RoomID(SecureRandom.identifier("r"))
        var hash: String?
        if let password = form.password, !password.isEmpty {
            guard password.utf8.count <= Limits.passwordBytes else { throw APIError.tooLarge("password") }
            hash = await passwords.hash(password)
        }
        let position = try await execute(CreateRoom(
            room: room, name: form.name, topic: form.topic, visibility: form.visibility, passwordHash: hash,
            nonLeavable: form.nonLeavable, autoJoin: form.autoJoin), by: user)
        return (room, position)
    }

    func join(_ user: UserID, room: RoomID, password: String?) async throws(APIError) -> UInt64 {
        var accepted = false
        if let password, !password.isEmpty, password.utf8.count <= Limits.passwordBytes,
           let hash = withState({ $0.rooms[room]?.passwordHash })
        {
            accepted = await passwords.verify(password, against: hash)
        }
        return try await execute(JoinRoom(room: room, passwordAccepted: accepted), by: user)
    }

    // MARK: Typing

    /// Tells the room's other members that the user is typing (not logged).
    func typing(_ user: UserID, room: RoomID, connection: String) throws(APIError) {
        guard let members = withState({ state -> Set<UserID>? in
            guard let room = state.rooms[room], room.members.contains(user), !room.archived else { return nil }
            return room.members
        }) else { throw APIError.notFound("room") }
        registry.send(Frames.typing(room, user), to: members.subtracting([user]))
    }
}
