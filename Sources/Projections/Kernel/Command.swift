/// What a command decides: the events to append, and the conditions for appending them.
public struct Decision: Hashable, Sendable {
    public var events: [PendingEvent]
    /// Streams that must still be empty when the events are appended (a name claim, a direct
    /// conversation): if another command took one meanwhile, nothing is appended.
    public var mustBeNew: [String]
    /// The rejection reason to give when a `mustBeNew` stream was taken meanwhile.
    public var conflictReason: String
    /// The command was already carried out (a retried send): the position of its event.
    public var alreadyDone: UInt64?

    public init(_ events: [PendingEvent], mustBeNew: [String] = [], conflictReason: String = "conflict",
                alreadyDone: UInt64? = nil) {
        self.events = events
        self.mustBeNew = mustBeNew
        self.conflictReason = conflictReason
        self.alreadyDone = alreadyDone
    }

    public static func done(at position: UInt64) -> Decision { Decision([], alreadyDone: position) }
}

/// A request to change something. `decide` is pure: the state, the actor and the time are given;
/// anything else it needs (hashed passwords, a loaded message) is in the command.
public protocol Command: Sendable {
    func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision
}

extension ChatState {
    /// The actor's account, if it may act: it exists and is not disabled, and it has changed the
    /// one-time password it was given (unless `evenWithPendingPasswordChange`).
    func activeAccount(_ actor: UserID, evenWithPendingPasswordChange: Bool = false) throws(Rejection)
        -> AccountsView.Account
    {
        guard let account = accounts[actor] else { throw .unauthorized("unknown_user") }
        guard !account.disabled else { throw .forbidden("account_disabled") }
        if account.mustChangePassword && !evenWithPendingPasswordChange {
            throw .forbidden("password_change_required")
        }
        return account
    }

    func require(_ permission: Permissions, _ actor: UserID) throws(Rejection) {
        _ = try activeAccount(actor)
        let missing = permission.subtracting(permissions(of: actor))
        guard missing.isEmpty else {
            // Only the rights the actor lacks: naming those it has would mislead (issue 11).
            throw .forbidden("missing_permission:\(missing.names.joined(separator: ","))")
        }
    }

    func requireAdministrator(_ actor: UserID) throws(Rejection) {
        try require(.administer, actor)
    }

    /// The room, if the actor is a member. Non-members get `notFound`, as for a room that does
    /// not exist: guessing an id tells nothing.
    func roomOfMember(_ room: RoomID, _ actor: UserID) throws(Rejection) -> RoomsView.Room {
        guard let found = rooms[room], found.members.contains(actor) else { throw .notFound("room") }
        return found
    }

    /// The room, if the actor may moderate it: an operator or owner there, or a moderator or
    /// administrator of the server.
    func roomModeratedBy(_ room: RoomID, _ actor: UserID) throws(Rejection) -> RoomsView.Room {
        _ = try activeAccount(actor)
        guard let found = rooms[room], !found.deleted else { throw .notFound("room") }
        let serverWide = permissions(of: actor).contains(.moderate) || permissions(of: actor).contains(.administer)
        guard serverWide || (found.members.contains(actor) && found.role(of: actor) >= .operator) else {
            if found.members.contains(actor) { throw .forbidden("not_operator") }
            throw .notFound("room")
        }
        guard found.visibility != .direct else { throw .forbidden("direct_conversation") }
        return found
    }
}

/// Limits on what users type, in characters (docs/configuration.md lists them).
public enum Limits {
    public static let displayName = 64
    public static let email = 254
    public static let phone = 32
    public static let department = 64
    public static let topic = 512
    public static let question = 200
    public static let answer = 200
    public static let quickPhrase = 500
    public static let quickPhrases = 10
    public static let groupName = 64
    public static let reason = 256
    public static let clientID = 64
    public static let passwordBytes = 256
    public static let minimumPassword = 8
    public static let broadcastRecipients = 10_000
    /// A century: longer retention is the same as none, and days × µs must fit in 64 bits.
    public static let maxRetentionDays = 36_500
    /// Anti-flood: messages at once, and per minute once the burst is spent.
    public static let floodBurst: ClosedRange<Int> = 1...10_000
    public static let floodPerMinute: ClosedRange<Int> = 1...100_000
    /// The longest message an administrator may allow, in characters.
    public static let maxMessageLength: ClosedRange<Int> = 1...100_000
    /// Days of history users see (0: all).
    public static let retentionDays: ClosedRange<Int> = 0...maxRetentionDays
    /// A mute, in minutes: one minute to a year.
    public static let muteMinutes: ClosedRange<Int> = 1...525_600
    /// Items in one history page at most.
    public static let historyPage = 200
}
