/// Accounts and sessions (stream `user:<id>`; name claims in `username:<key>`).

/// How an account came to be.
public enum AccountOrigin: UInt8, Hashable, Sendable, Codable {
    case firstAdministrator = 0, selfRegistered = 1, createdByAdministrator = 2, bot = 3, invited = 4
}

public struct RecoveryQuestion: Hashable, Sendable, BinaryCodable {
    public var question: String
    /// The answer, normalised (trimmed, case-folded) then hashed like a password.
    public var answerHash: String

    public init(question: String, answerHash: String) {
        self.question = question
        self.answerHash = answerHash
    }
    public func encode(to w: inout BinaryWriter) { w.write(question); w.write(answerHash) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        question = try r.read(); answerHash = try r.read()
    }
}

public struct UserRegistered: EventPayload {
    public static let tag: UInt16 = 20
    public var user: UserID
    /// As typed (display form); uniqueness is on its normalised key.
    public var username: String
    public var displayName: String
    public var email: String
    public var passwordHash: String
    public var recovery: RecoveryQuestion?
    public var groups: [GroupID]
    public var mustChangePassword: Bool
    public var origin: AccountOrigin

    public init(user: UserID, username: String, displayName: String, email: String, passwordHash: String,
                recovery: RecoveryQuestion?, groups: [GroupID], mustChangePassword: Bool, origin: AccountOrigin) {
        self.user = user
        self.username = username
        self.displayName = displayName
        self.email = email
        self.passwordHash = passwordHash
        self.recovery = recovery
        self.groups = groups
        self.mustChangePassword = mustChangePassword
        self.origin = origin
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(user); w.write(username); w.write(displayName); w.write(email); w.write(passwordHash)
        w.write(recovery); w.write(groups); w.write(mustChangePassword); w.write(origin.rawValue)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        user = try r.read(); username = try r.read(); displayName = try r.read(); email = try r.read()
        passwordHash = try r.read(); recovery = try r.read(); groups = try r.read(); mustChangePassword = try r.read()
        origin = AccountOrigin(rawValue: try r.read()) ?? .selfRegistered
    }
}

/// A user name taken (stream `username:<key>`): the first claim on a key wins.
public struct UsernameClaimed: EventPayload {
    public static let tag: UInt16 = 28
    public var user: UserID

    public init(user: UserID) { self.user = user }
    public func encode(to w: inout BinaryWriter) { w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { user = try r.read() }
}

public enum PasswordChangeReason: UInt8, Hashable, Sendable, Codable {
    case byUser = 0, resetByAdministrator = 1, recovered = 2
}

public struct PasswordChanged: EventPayload {
    public static let tag: UInt16 = 21
    public var passwordHash: String
    /// Set by an administrator's reset: the user must choose a new one at next login.
    public var mustChange: Bool
    public var reason: PasswordChangeReason

    public init(passwordHash: String, mustChange: Bool, reason: PasswordChangeReason) {
        self.passwordHash = passwordHash
        self.mustChange = mustChange
        self.reason = reason
    }
    public func encode(to w: inout BinaryWriter) { w.write(passwordHash); w.write(mustChange); w.write(reason.rawValue) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        passwordHash = try r.read(); mustChange = try r.read()
        reason = PasswordChangeReason(rawValue: try r.read()) ?? .byUser
    }
}

/// The public profile, stated in full.
public struct ProfileChanged: EventPayload {
    public static let tag: UInt16 = 22
    public var profile: Profile

    public init(profile: Profile) { self.profile = profile }
    public func encode(to w: inout BinaryWriter) { w.write(profile) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { profile = try r.read() }
}

public struct Profile: Hashable, Sendable, BinaryCodable, Codable {
    public var displayName: String
    public var email: String
    public var phone: String
    public var department: String

    public init(displayName: String, email: String = "", phone: String = "", department: String = "") {
        self.displayName = displayName
        self.email = email
        self.phone = phone
        self.department = department
    }
    public func encode(to w: inout BinaryWriter) { w.write(displayName); w.write(email); w.write(phone); w.write(department) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        displayName = try r.read(); email = try r.read(); phone = try r.read(); department = try r.read()
    }
}

public struct UserDisabled: EventPayload {
    public static let tag: UInt16 = 23
    public init() {}
    public func encode(to w: inout BinaryWriter) {}
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {}
}

public struct UserEnabled: EventPayload {
    public static let tag: UInt16 = 24
    public init() {}
    public func encode(to w: inout BinaryWriter) {}
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {}
}

public struct QuickPhrasesChanged: EventPayload {
    public static let tag: UInt16 = 25
    public var phrases: [String]

    public init(phrases: [String]) { self.phrases = phrases }
    public func encode(to w: inout BinaryWriter) { w.write(phrases) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { phrases = try r.read() }
}

public struct RecoveryChanged: EventPayload {
    public static let tag: UInt16 = 26
    public var recovery: RecoveryQuestion

    public init(recovery: RecoveryQuestion) { self.recovery = recovery }
    public func encode(to w: inout BinaryWriter) { w.write(recovery) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { recovery = try r.read() }
}

/// The user's rights groups, stated in full.
public struct UserGroupsChanged: EventPayload {
    public static let tag: UInt16 = 27
    public var groups: [GroupID]

    public init(groups: [GroupID]) { self.groups = groups }
    public func encode(to w: inout BinaryWriter) { w.write(groups) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { groups = try r.read() }
}

public enum SessionKind: UInt8, Hashable, Sendable, Codable {
    /// `app`: a password for one device's file manager or FTP client (WebDAV, FTP only).
    case login = 0, bot = 1, app = 2
}

/// A session token issued (its SHA-256 only: the log never holds a usable token).
public struct SessionStarted: EventPayload {
    public static let tag: UInt16 = 30
    public var tokenHash: String
    public var address: String
    public var kind: SessionKind
    /// A label for bot tokens ("accounting export"), empty for logins.
    public var label: String

    public init(tokenHash: String, address: String, kind: SessionKind, label: String = "") {
        self.tokenHash = tokenHash
        self.address = address
        self.kind = kind
        self.label = label
    }
    public func encode(to w: inout BinaryWriter) { w.write(tokenHash); w.write(address); w.write(kind.rawValue); w.write(label) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        tokenHash = try r.read(); address = try r.read()
        kind = SessionKind(rawValue: try r.read()) ?? .login
        label = try r.read()
    }
}

public enum SessionEndReason: UInt8, Hashable, Sendable, Codable {
    case logout = 0, revokedByAdministrator = 1, passwordChanged = 2, accountDisabled = 3
    /// Unused for longer than the server's idle period (docs/adr/008-idle-sessions-expire.md).
    case expired = 4
}

public struct SessionEnded: EventPayload {
    public static let tag: UInt16 = 31
    /// The token's hash; empty: every session of the user.
    public var tokenHash: String
    public var reason: SessionEndReason

    public init(tokenHash: String, reason: SessionEndReason) {
        self.tokenHash = tokenHash
        self.reason = reason
    }
    public func encode(to w: inout BinaryWriter) { w.write(tokenHash); w.write(reason.rawValue) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        tokenHash = try r.read()
        reason = SessionEndReason(rawValue: try r.read()) ?? .logout
    }
}

/// A failed login on an existing account (for audits and lockouts).
public struct LoginFailed: EventPayload {
    public static let tag: UInt16 = 32
    public var address: String

    public init(address: String) { self.address = address }
    public func encode(to w: inout BinaryWriter) { w.write(address) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { address = try r.read() }
}

/// A login session used again after a while: its idle time starts over. Logged at most about
/// once a day per session (docs/adr/008-idle-sessions-expire.md).
public struct SessionRefreshed: EventPayload {
    public static let tag: UInt16 = 35
    public var tokenHash: String

    public init(tokenHash: String) { self.tokenHash = tokenHash }
    public func encode(to w: inout BinaryWriter) { w.write(tokenHash) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { tokenHash = try r.read() }
}

/// A live connection opened or closed (for statistics: time online, connections, traffic).
public struct ConnectionOpened: EventPayload {
    public static let tag: UInt16 = 33
    public var connection: String
    public var address: String
    public var client: String

    public init(connection: String, address: String, client: String) {
        self.connection = connection
        self.address = address
        self.client = client
    }
    public func encode(to w: inout BinaryWriter) { w.write(connection); w.write(address); w.write(client) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        connection = try r.read(); address = try r.read(); client = try r.read()
    }
}

public struct ConnectionClosed: EventPayload {
    public static let tag: UInt16 = 34
    public var connection: String
    public var bytesIn: UInt64
    public var bytesOut: UInt64

    public init(connection: String, bytesIn: UInt64, bytesOut: UInt64) {
        self.connection = connection
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }
    public func encode(to w: inout BinaryWriter) { w.write(connection); w.write(bytesIn); w.write(bytesOut) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        connection = try r.read(); bytesIn = try r.read(); bytesOut = try r.read()
    }
}

/// The user read a conversation up to a message (stream `user:<id>`).
public struct ReadMarked: EventPayload {
    public static let tag: UInt16 = 63
    public var room: RoomID
    public var position: UInt64

    public init(room: RoomID, position: UInt64) {
        self.room = room
        self.position = position
    }
    public func encode(to w: inout BinaryWriter) { w.write(room); w.write(position) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { room = try r.read(); position = try r.read() }
}
