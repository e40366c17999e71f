/// The first start: default groups, the general room, and the administrator with a one-time
/// password that must be changed at first login.
public struct InitializeServer: Command {
    public var serverName: String
    public var administrator: UserID
    public var username: String
    public var passwordHash: String

    public init(serverName: String, administrator: UserID, username: String, passwordHash: String) {
        self.serverName = serverName
        self.administrator = administrator
        self.username = username
        self.passwordHash = passwordHash
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard !state.server.initialized else { throw .conflict("already_initialized") }
        guard let name = Names.username(username) else { throw .invalid("username") }
        return Decision([
            PendingEvent(Streams.server, .serverInitialized(.init(serverName: serverName, administrator: administrator))),
            PendingEvent(Streams.server, .settingsChanged(.init(settings: ServerSettings(serverName: serverName)))),
            PendingEvent(Streams.groups, .groupCreated(.init(group: .administrators, name: "Administrators", permissions: .all))),
            PendingEvent(Streams.groups, .groupCreated(.init(group: .users, name: "Users", permissions: .defaultUser))),
            PendingEvent(Streams.groups, .groupCreated(.init(group: .guests, name: "Guests", permissions: .defaultGuest))),
            PendingEvent(Streams.username(name.key), .usernameClaimed(.init(user: administrator))),
            PendingEvent(Streams.user(administrator), .userRegistered(.init(
                user: administrator, username: name.display, displayName: name.display, email: "",
                passwordHash: passwordHash, recovery: nil, groups: [.administrators, .users], mustChangePassword: true,
                origin: .firstAdministrator))),
            PendingEvent(Streams.roomName(Names.key("main")), .roomNameClaimed(.init(room: .main))),
            PendingEvent(Streams.room(.main), .roomCreated(.init(
                room: .main, name: "main", topic: "", visibility: .public, passwordHash: nil, nonLeavable: true,
                autoJoin: true, members: [administrator]))),
        ], mustBeNew: [Streams.server], conflictReason: "already_initialized")
    }
}

/// A new account: by the person themselves (if registration is open) or by an administrator.
public struct RegisterUser: Command {
    public var user: UserID
    public var username: String
    public var displayName: String
    public var email: String
    public var passwordHash: String
    public var recovery: RecoveryQuestion?
    /// Set by administrators; self-registration gets the `users` group.
    public var groups: [GroupID]?
    public var mustChangePassword: Bool
    public var selfRegistration: Bool

    public init(user: UserID, username: String, displayName: String, email: String, passwordHash: String,
                recovery: RecoveryQuestion?, groups: [GroupID]? = nil, mustChangePassword: Bool = false,
                selfRegistration: Bool) {
        self.user = user
        self.username = username
        self.displayName = displayName
        self.email = email
        self.passwordHash = passwordHash
        self.recovery = recovery
        self.groups = groups
        self.mustChangePassword = mustChangePassword
        self.selfRegistration = selfRegistration
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard state.server.initialized else { throw .conflict("not_initialized") }
        if selfRegistration {
            guard state.server.settings.registrationOpen else { throw .forbidden("registration_closed") }
            guard recovery != nil else { throw .invalid("recovery_question") }
        } else {
            try state.requireAdministrator(actor)
        }
        guard let name = Names.username(username) else { throw .invalid("username") }
        guard state.accounts.byKey[name.key] == nil else { throw .conflict("username_taken") }
        // A name promised to someone by an open invitation is taken until it expires.
        guard state.invitations.open(forKey: name.key, now: now) == nil else { throw .conflict("username_taken") }
        guard state.accounts[user] == nil else { throw .conflict("user_exists") }
        let display = displayName.isEmpty ? name.display : displayName
        guard let displayChecked = Names.text(display, limit: Limits.displayName), !displayChecked.isEmpty else {
            throw .invalid("display_name")
        }
        try checkEmail(email)
        if let recovery {
            guard let question = Names.text(recovery.question, limit: Limits.question), !question.isEmpty else {
                throw .invalid("recovery_question")
            }
        }
        let groups = selfRegistration ? [GroupID.users] : (self.groups ?? [.users])
        for group in groups where state.groups.byID[group] == nil { throw .invalid("unknown_group") }
        return Decision([
            PendingEvent(Streams.username(name.key), .usernameClaimed(.init(user: user))),
            PendingEvent(Streams.user(user), .userRegistered(.init(
                user: user, username: name.display, displayName: displayChecked, email: email, passwordHash: passwordHash,
                recovery: recovery, groups: groups, mustChangePassword: mustChangePassword,
                origin: selfRegistration ? .selfRegistered : .createdByAdministrator))),
        ], mustBeNew: [Streams.username(name.key), Streams.user(user)], conflictReason: "username_taken")
    }
}

func checkEmail(_ email: String) throws(Rejection) {
    guard email.count <= Limits.email, Names.text(email, limit: Limits.email) == email else { throw .invalid("email") }
    if !email.isEmpty {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            throw .invalid("email")
        }
    }
}

/// A bot account for other office software, with a long-lived token (hashed here).
public struct CreateBot: Command {
    public var user: UserID
    public var username: String
    public var tokenHash: String
    public var groups: [GroupID]

    public init(user: UserID, username: String, tokenHash: String, groups: [GroupID]) {
        self.user = user
        self.username = username
        self.tokenHash = tokenHash
        self.groups = groups
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let name = Names.username(username) else { throw .invalid("username") }
        guard state.accounts.byKey[name.key] == nil else { throw .conflict("username_taken") }
        for group in groups where state.groups.byID[group] == nil { throw .invalid("unknown_group") }
        return Decision([
            PendingEvent(Streams.username(name.key), .usernameClaimed(.init(user: user))),
            PendingEvent(Streams.user(user), .userRegistered(.init(
                user: user, username: name.display, displayName: name.display, email: "", passwordHash: "",
                recovery: nil, groups: groups, mustChangePassword: false, origin: .bot))),
            PendingEvent(Streams.user(user), .sessionStarted(.init(
                tokenHash: tokenHash, address: "", kind: .bot, label: name.display))),
        ], mustBeNew: [Streams.username(name.key), Streams.user(user)], conflictReason: "username_taken")
    }
}

/// A new token for a bot (the old one lost, or leaked): every token it had ends, in one decision
/// with the new one's start, so that there is never a moment with both or with none.
public struct IssueBotToken: Command {
    public var user: UserID
    public var tokenHash: String

    public init(user: UserID, tokenHash: String) {
        self.user = user
        self.tokenHash = tokenHash
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let account = state.accounts[user] else { throw .notFound("user") }
        guard account.origin == .bot else { throw .invalid("not_a_bot") }
        let stream = Streams.user(user)
        let ended = account.sessions.isEmpty ? [] : [PendingEvent(stream, .sessionEnded(.init(
            tokenHash: "", reason: .revokedByAdministrator)))]
        return Decision(ended + [PendingEvent(stream, .sessionStarted(.init(
            tokenHash: tokenHash, address: "", kind: .bot, label: account.username)))])
    }
}

/// A new password. By the user (the gateway checked the old one), by an administrator's reset
/// (the user must change it at next login), or through the recovery question.
public struct ChangePassword: Command {
    public var user: UserID
    public var passwordHash: String
    public var reason: PasswordChangeReason
    /// The session the user is changing it from, which stays open; the others end.
    public var keepSession: String?

    public init(user: UserID, passwordHash: String, reason: PasswordChangeReason, keepSession: String? = nil) {
        self.user = user
        self.passwordHash = passwordHash
        self.reason = reason
        self.keepSession = keepSession
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        switch reason {
        case .byUser:
            guard actor == user else { throw .forbidden("not_yourself") }
            _ = try state.activeAccount(actor, evenWithPendingPasswordChange: true)
        case .resetByAdministrator:
            try state.requireAdministrator(actor)
        case .recovered:
            guard actor == user else { throw .forbidden("not_yourself") }
        }
        guard let account = state.accounts[user] else { throw .notFound("user") }
        guard account.origin != .bot else { throw .invalid("bot_account") }
        if reason == .recovered && account.disabled { throw .forbidden("account_disabled") }
        var events = [PendingEvent(Streams.user(user), .passwordChanged(.init(
            passwordHash: passwordHash, mustChange: reason == .resetByAdministrator, reason: reason)))]
        // Logins and app passwords end (a changed password locks out whoever had the old one);
        // bots' tokens are not the user's password and stay.
        for hash in account.sessions.keys.sorted() where hash != keepSession && account.sessions[hash]?.kind != .bot {
            events.append(PendingEvent(Streams.user(user), .sessionEnded(.init(tokenHash: hash, reason: .passwordChanged))))
        }
        return Decision(events)
    }
}

/// The user's profile, changed by them or by an administrator.
public struct UpdateProfile: Command {
    public var user: UserID
    public var profile: Profile

    public init(user: UserID, profile: Profile) {
        self.user = user
        self.profile = profile
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        if actor == user { _ = try state.activeAccount(actor) } else { try state.requireAdministrator(actor) }
        guard state.accounts[user] != nil else { throw .notFound("user") }
        guard let displayName = Names.text(profile.displayName, limit: Limits.displayName), !displayName.isEmpty else {
            throw .invalid("display_name")
        }
        try checkEmail(profile.email)
        guard let phone = Names.text(profile.phone, limit: Limits.phone) else { throw .invalid("phone") }
        guard let department = Names.text(profile.department, limit: Limits.department) else {
            throw .invalid("department")
        }
        let clean = Profile(displayName: displayName, email: profile.email, phone: phone, department: department)
        return Decision([PendingEvent(Streams.user(user), .profileChanged(.init(profile: clean)))])
    }
}

/// Up to ten quick phrases, kept in the user's profile.
public struct SetQuickPhrases: Command {
    public var phrases: [String]
    public init(phrases: [String]) { self.phrases = phrases }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        guard phrases.count <= Limits.quickPhrases else { throw .tooLarge("quick_phrases") }
        var clean: [String] = []
        for phrase in phrases {
            guard let text = Names.text(phrase, limit: Limits.quickPhrase, multiline: true), !text.isEmpty else {
                throw .invalid("quick_phrase")
            }
            clean.append(text)
        }
        return Decision([PendingEvent(Streams.user(actor), .quickPhrasesChanged(.init(phrases: clean)))])
    }
}

/// The secret question and its answer (hashed by the gateway).
public struct SetRecovery: Command {
    public var recovery: RecoveryQuestion
    public init(recovery: RecoveryQuestion) { self.recovery = recovery }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        guard let question = Names.text(recovery.question, limit: Limits.question), !question.isEmpty else {
            throw .invalid("recovery_question")
        }
        let clean = RecoveryQuestion(question: question, answerHash: recovery.answerHash)
        return Decision([PendingEvent(Streams.user(actor), .recoveryChanged(.init(recovery: clean)))])
    }
}

/// An administrator disables an account (its sessions end) or enables it again.
public struct SetUserDisabled: Command {
    public var user: UserID
    public var disabled: Bool

    public init(user: UserID, disabled: Bool) {
        self.user = user
        self.disabled = disabled
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let account = state.accounts[user] else { throw .notFound("user") }
        guard user != actor else { throw .forbidden("not_yourself") }
        guard account.disabled != disabled else { return Decision([]) }
        if !disabled { return Decision([PendingEvent(Streams.user(user), .userEnabled(.init()))]) }
        return Decision([
            PendingEvent(Streams.user(user), .userDisabled(.init())),
            PendingEvent(Streams.user(user), .sessionEnded(.init(tokenHash: "", reason: .accountDisabled))),
        ])
    }
}

/// An administrator sets the rights groups of a user.
public struct SetUserGroups: Command {
    public var user: UserID
    public var groups: [GroupID]

    public init(user: UserID, groups: [GroupID]) {
        self.user = user
        self.groups = groups
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard state.accounts[user] != nil else { throw .notFound("user") }
        var unique: [GroupID] = []
        for group in groups where !unique.contains(group) {
            guard state.groups.byID[group] != nil else { throw .invalid("unknown_group") }
            unique.append(group)
        }
        // An administrator cannot take administration away from themselves (no lock-out).
        if user == actor && !state.groups.permissions(of: unique).contains(.administer) {
            throw .forbidden("would_lock_out")
        }
        return Decision([PendingEvent(Streams.user(user), .userGroupsChanged(.init(groups: unique)))])
    }
}
