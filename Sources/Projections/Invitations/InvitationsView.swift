/// The invitations issued, and what became of each.
public struct InvitationsView: Hashable, Sendable {
    public struct Invitation: Hashable, Sendable {
        public var id: String
        public var username: String
        public var displayName: String
        public var groups: [GroupID]
        public var expiresAt: Int64
        public var secretHash: String
        public var issuedBy: UserID
        /// Microseconds since the epoch.
        public var issuedAt: Int64
        public var redeemedBy: UserID?
        public var redeemedAt: Int64?
        public var revoked = false

        public enum State: String, Sendable { case open, used, expired, revoked }

        public func state(now: Int64) -> State {
            if redeemedBy != nil { return .used }
            if revoked { return .revoked }
            return now >= expiresAt ? .expired : .open
        }
    }

    public private(set) var byID: [String: Invitation] = [:]

    public subscript(id: String) -> Invitation? { byID[id] }

    /// An open invitation for this user name (its key), if any: a name is promised once.
    public func open(forKey key: String, now: Int64) -> Invitation? {
        byID.values.first { Names.key($0.username) == key && $0.state(now: now) == .open }
    }

    mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .invitationIssued(let e):
            byID[e.invitation] = Invitation(
                id: e.invitation, username: e.username, displayName: e.displayName, groups: e.groups, expiresAt: e.expiresAt,
                secretHash: e.secretHash, issuedBy: event.actor, issuedAt: event.timestamp)
        case .invitationRedeemed(let e):
            byID[e.invitation]?.redeemedBy = e.user
            byID[e.invitation]?.redeemedAt = event.timestamp
        case .invitationRevoked(let e):
            byID[e.invitation]?.revoked = true
        default:
            break
        }
    }
}
