/// Accounts, their names, profiles, groups and sessions.
public struct AccountsView: Hashable, Sendable {
    public struct Account: Hashable, Sendable {
        public var id: UserID
        public var username: String
        public var profile: Profile
        public var passwordHash: String
        public var mustChangePassword: Bool
        public var recovery: RecoveryQuestion?
        public var groups: [GroupID]
        public var disabled = false
        public var origin: AccountOrigin
        /// Position of the registration (membership of auto-join rooms starts there).
        public var registeredAt: UInt64
        public var quickPhrases: [String] = []
        /// Live sessions by token hash.
        public var sessions: [String: Session] = [:]
    }

    public struct Session: Hashable, Sendable {
        public var kind: SessionKind
        public var label: String
        public var address: String
        public var startedAt: Int64
        /// When it was last marked used (µs): its start, or its latest `SessionRefreshed`.
        public var usedAt: Int64
    }

    public var byID: [UserID: Account] = [:]
    /// Normalised name key → user.
    public var byKey: [String: UserID] = [:]
    /// Token hash → user.
    public var sessionOwners: [String: UserID] = [:]

    public init() {}

    public subscript(id: UserID) -> Account? { byID[id] }

    public func user(named name: String) -> Account? {
        byKey[Names.key(name)].flatMap { byID[$0] }
    }

    public mutating func apply(_ event: StoredEvent) {
        if case .userRegistered(let e) = event.event {
            byID[e.user] = Account(
                id: e.user, username: e.username,
                profile: Profile(displayName: e.displayName, email: e.email), passwordHash: e.passwordHash,
                mustChangePassword: e.mustChangePassword, recovery: e.recovery, groups: e.groups, origin: e.origin,
                registeredAt: event.position)
            byKey[Names.key(e.username)] = e.user
            return
        }
        guard let id = event.user, var account = byID[id] else { return }
        switch event.event {
        case .passwordChanged(let e):
            account.passwordHash = e.passwordHash
            account.mustChangePassword = e.mustChange
        case .profileChanged(let e): account.profile = e.profile
        case .userDisabled: account.disabled = true
        case .userEnabled: account.disabled = false
        case .quickPhrasesChanged(let e): account.quickPhrases = e.phrases
        case .recoveryChanged(let e): account.recovery = e.recovery
        case .userGroupsChanged(let e): account.groups = e.groups
        case .sessionStarted(let e):
            account.sessions[e.tokenHash] = Session(
                kind: e.kind, label: e.label, address: e.address, startedAt: event.timestamp, usedAt: event.timestamp)
            sessionOwners[e.tokenHash] = id
        case .sessionRefreshed(let e):
            account.sessions[e.tokenHash]?.usedAt = event.timestamp
        case .sessionEnded(let e):
            let ended = e.tokenHash.isEmpty ? Array(account.sessions.keys) : [e.tokenHash]
            for hash in ended {
                account.sessions.removeValue(forKey: hash)
                sessionOwners.removeValue(forKey: hash)
            }
        default: return
        }
        byID[id] = account
    }
}
