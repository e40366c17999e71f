import Foundation

/// A login: the gateway checked the password; the session token's hash is logged.
public struct StartSession: Command {
    public var tokenHash: String
    public var address: String

    public init(tokenHash: String, address: String) {
        self.tokenHash = tokenHash
        self.address = address
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard let account = state.accounts[actor] else { throw .unauthorized("credentials") }
        guard !account.disabled else { throw .forbidden("account_disabled") }
        guard account.origin != .bot else { throw .unauthorized("credentials") }
        return Decision([PendingEvent(Streams.user(actor), .sessionStarted(.init(
            tokenHash: tokenHash, address: address, kind: .login)))])
    }
}

/// A password for one device's file manager or FTP client (WebDAV, FTP; never the API): its
/// hash is logged like a session's, the password itself is shown to the user once.
public struct CreateAppPassword: Command {
    public static let maximumPerUser = 50
    public var tokenHash: String
    public var label: String
    public var address: String

    public init(tokenHash: String, label: String, address: String) {
        self.tokenHash = tokenHash
        self.label = label
        self.address = address
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let account = try state.activeAccount(actor)
        guard account.origin != .bot else { throw .invalid("bot_account") }
        let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !label.isEmpty, label.count <= 64, !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalid("label") }
        guard account.sessions.values.filter({ $0.kind == .app }).count < Self.maximumPerUser else { throw .tooLarge("app_passwords") }
        return Decision([PendingEvent(Streams.user(actor), .sessionStarted(.init(
            tokenHash: tokenHash, address: address, kind: .app, label: label)))])
    }
}

/// A logout (one session), or an administrator ending every session of a user.
public struct EndSession: Command {
    public var user: UserID
    /// Empty: every session of the user.
    public var tokenHash: String

    public init(user: UserID, tokenHash: String) {
        self.user = user
        self.tokenHash = tokenHash
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let byAdministrator = actor != user
        if byAdministrator { try state.requireAdministrator(actor) }
        guard let account = state.accounts[user] else { throw .notFound("user") }
        if !tokenHash.isEmpty && account.sessions[tokenHash] == nil { return Decision([]) }
        if tokenHash.isEmpty && account.sessions.isEmpty { return Decision([]) }
        return Decision([PendingEvent(Streams.user(user), .sessionEnded(.init(
            tokenHash: tokenHash, reason: byAdministrator ? .revokedByAdministrator : .logout)))])
    }
}

/// Marks one of the actor's sessions used now: its idle time starts over
/// (docs/adr/008-idle-sessions-expire.md). Nothing for a session that no longer exists.
public struct RefreshSession: Command {
    public var tokenHash: String

    public init(tokenHash: String) { self.tokenHash = tokenHash }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard state.accounts[actor]?.sessions[tokenHash] != nil else { return Decision([]) }
        return Decision([PendingEvent(Streams.user(actor), .sessionRefreshed(.init(tokenHash: tokenHash)))])
    }
}

/// Ends every login session unused for longer than `idle` microseconds (bot tokens do not
/// expire). The server's own upkeep, never a user's request.
public struct ExpireSessions: Command {
    public var idle: Int64

    public init(idle: Int64) { self.idle = idle }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard actor == .system else { throw .forbidden("system_only") }
        guard idle > 0 else { return Decision([]) }
        var events: [PendingEvent] = []
        for account in state.accounts.byID.values.sorted(by: { $0.id < $1.id }) {
            for (hash, session) in account.sessions.sorted(by: { $0.key < $1.key })
            where session.kind == .login && now - session.usedAt > idle {
                events.append(PendingEvent(Streams.user(account.id), .sessionEnded(.init(tokenHash: hash, reason: .expired))))
            }
        }
        return Decision(events)
    }
}

/// A wrong password given for an existing account.
public struct RecordLoginFailure: Command {
    public var address: String
    public init(address: String) { self.address = address }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard state.accounts[actor] != nil else { return Decision([]) }
        return Decision([PendingEvent(Streams.user(actor), .loginFailed(.init(address: address)))])
    }
}

/// A live connection opened or closed (logged for statistics and audits).
public struct RecordConnection: Command {
    public var connection: String
    public var opened: Bool
    public var address: String
    public var client: String
    public var bytesIn: UInt64
    public var bytesOut: UInt64

    public static func opened(_ connection: String, address: String, client: String) -> RecordConnection {
        RecordConnection(connection: connection, opened: true, address: address, client: client, bytesIn: 0, bytesOut: 0)
    }

    public static func closed(_ connection: String, bytesIn: UInt64, bytesOut: UInt64) -> RecordConnection {
        RecordConnection(connection: connection, opened: false, address: "", client: "", bytesIn: bytesIn, bytesOut: bytesOut)
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard state.accounts[actor] != nil else { throw .unauthorized("unknown_user") }
        let event: DomainEvent = opened
            ? .connectionOpened(.init(connection: connection, address: address, client: client))
            : .connectionClosed(.init(connection: connection, bytesIn: bytesIn, bytesOut: bytesOut))
        return Decision([PendingEvent(Streams.user(actor), event)])
    }
}

/// The user has read a conversation up to a message.
public struct MarkRead: Command {
    public var room: RoomID
    public var position: UInt64

    public init(room: RoomID, position: UInt64) {
        self.room = room
        self.position = position
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        if room != .announcements && room != .bulletin { _ = try state.roomOfMember(room, actor) }
        guard position <= state.position else { throw .invalid("position") }
        guard state.reads.cursor(actor, room) != position else { return Decision([]) }
        return Decision([PendingEvent(Streams.user(actor), .readMarked(.init(room: room, position: position)))])
    }
}
