/// An administrator invites someone by name: the account is made when they redeem it.
public struct IssueInvitation: Command {
    public var invitation: String
    public var username: String
    public var displayName: String
    public var groups: [GroupID]?
    public var expiresAt: Int64
    public var secretHash: String

    /// An invitation lives at least an hour and at most 90 days.
    public static let lifetime: ClosedRange<Int64> = 3_600_000_000...(90 * 86_400_000_000)

    public init(invitation: String, username: String, displayName: String, groups: [GroupID]?, expiresAt: Int64, secretHash: String) {
        self.invitation = invitation
        self.username = username
        self.displayName = displayName
        self.groups = groups
        self.expiresAt = expiresAt
        self.secretHash = secretHash
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let name = Names.username(username) else { throw .invalid("username") }
        guard state.accounts.byKey[name.key] == nil else { throw .conflict("username_taken") }
        guard state.invitations.open(forKey: name.key, now: now) == nil else { throw .conflict("already_invited") }
        let display = displayName.isEmpty ? name.display : displayName
        guard let displayChecked = Names.text(display, limit: Limits.displayName), !displayChecked.isEmpty else {
            throw .invalid("display_name")
        }
        let (lifetime, overflow) = expiresAt.subtractingReportingOverflow(now)
        guard !overflow, Self.lifetime.contains(lifetime) else { throw .invalid("expires") }
        let groups = self.groups ?? [.users]
        for group in groups where state.groups.byID[group] == nil { throw .invalid("unknown_group") }
        guard state.invitations[invitation] == nil else { throw .conflict("invitation_exists") }
        return Decision([PendingEvent(Streams.invitation(invitation), .invitationIssued(.init(
            invitation: invitation, username: name.display, displayName: displayChecked, groups: groups,
            expiresAt: expiresAt, secretHash: secretHash)))], mustBeNew: [Streams.invitation(invitation)])
    }
}

/// The person invited sets their password: the account is made with the name, display name and
/// groups the administrator chose, and the invitation is spent. Anyone holding the secret may
/// do this, once, before it expires; no server password is asked (the invitation is stronger).
public struct RedeemInvitation: Command {
    public var invitation: String
    public var secretHash: String
    public var user: UserID
    public var passwordHash: String

    public init(invitation: String, secretHash: String, user: UserID, passwordHash: String) {
        self.invitation = invitation
        self.secretHash = secretHash
        self.user = user
        self.passwordHash = passwordHash
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        // Unknown and wrong secret alike: nothing tells a guesser which ids exist.
        guard let found = state.invitations[invitation], found.secretHash == secretHash else {
            throw .notFound("invitation")
        }
        switch found.state(now: now) {
        case .used: throw .conflict("invitation_used")
        case .revoked: throw .forbidden("invitation_revoked")
        case .expired: throw .forbidden("invitation_expired")
        case .open: break
        }
        guard let name = Names.username(found.username) else { throw .invalid("username") }
        guard state.accounts.byKey[name.key] == nil else { throw .conflict("username_taken") }
        guard state.accounts[user] == nil else { throw .conflict("user_exists") }
        let groups = found.groups.filter { state.groups.byID[$0] != nil }
        return Decision([
            PendingEvent(Streams.username(name.key), .usernameClaimed(.init(user: user))),
            PendingEvent(Streams.user(user), .userRegistered(.init(
                user: user, username: name.display, displayName: found.displayName, email: "", passwordHash: passwordHash,
                recovery: nil, groups: groups.isEmpty ? [.users] : groups, mustChangePassword: false, origin: .invited))),
            PendingEvent(Streams.invitationUse(invitation), .invitationRedeemed(.init(invitation: invitation, user: user))),
        ], mustBeNew: [Streams.username(name.key), Streams.user(user), Streams.invitationUse(invitation)],
           conflictReason: "invitation_used")
    }
}

public struct RevokeInvitation: Command {
    public var invitation: String

    public init(invitation: String) { self.invitation = invitation }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let found = state.invitations[invitation] else { throw .notFound("invitation") }
        guard found.state(now: now) == .open else { throw .conflict("invitation_\(found.state(now: now).rawValue)") }
        return Decision([PendingEvent(Streams.invitation(invitation), .invitationRevoked(.init(invitation: invitation)))])
    }
}
