/// Invitations: an administrator invites a named person, who sets their own password from the
/// link or client file they were given (stream `invitation:<id>`; docs/invitations.md).

/// An invitation was issued. Only the secret's SHA-256 is kept: the log (and its backups and
/// exports) never holds what would let someone redeem it.
public struct InvitationIssued: EventPayload {
    public static let tag: UInt16 = 80
    public var invitation: String
    public var username: String
    public var displayName: String
    public var groups: [GroupID]
    /// Microseconds since the epoch.
    public var expiresAt: Int64
    public var secretHash: String

    public init(invitation: String, username: String, displayName: String, groups: [GroupID], expiresAt: Int64, secretHash: String) {
        self.invitation = invitation
        self.username = username
        self.displayName = displayName
        self.groups = groups
        self.expiresAt = expiresAt
        self.secretHash = secretHash
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(invitation); w.write(username); w.write(displayName); w.write(groups); w.write(expiresAt); w.write(secretHash)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        invitation = try r.read(); username = try r.read(); displayName = try r.read(); groups = try r.read()
        expiresAt = try r.read(); secretHash = try r.read()
    }
}

/// The invitation was used: the account it made (stream `invitation-used:<id>`, which must be
/// new, so that two uses at once cannot both succeed).
public struct InvitationRedeemed: EventPayload {
    public static let tag: UInt16 = 81
    public var invitation: String
    public var user: UserID

    public init(invitation: String, user: UserID) {
        self.invitation = invitation
        self.user = user
    }
    public func encode(to w: inout BinaryWriter) { w.write(invitation); w.write(user) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        invitation = try r.read(); user = try r.read()
    }
}

/// An administrator withdrew an unused invitation.
public struct InvitationRevoked: EventPayload {
    public static let tag: UInt16 = 82
    public var invitation: String

    public init(invitation: String) { self.invitation = invitation }
    public func encode(to w: inout BinaryWriter) { w.write(invitation) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { invitation = try r.read() }
}

extension Streams {
    public static func invitation(_ id: String) -> String { "invitation:\(id)" }
    public static func invitationUse(_ id: String) -> String { "invitation-used:\(id)" }
}
