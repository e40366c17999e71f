import Foundation

/// A rights group created, changed or deleted by an administrator.
public struct SaveGroup: Command {
    public var group: GroupID
    public var name: String
    public var permissions: Permissions
    public var create: Bool

    public init(group: GroupID, name: String, permissions: Permissions, create: Bool) {
        self.group = group
        self.name = name
        self.permissions = permissions
        self.create = create
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard GroupID.isWellFormed(group.rawValue) else { throw .invalid("group_id") }
        guard let clean = Names.text(name, limit: Limits.groupName), !clean.isEmpty else { throw .invalid("group_name") }
        let exists = state.groups.byID[group] != nil
        if create && exists { throw .conflict("group_exists") }
        if !create && !exists { throw .notFound("group") }
        // The administrators group always administers: nobody can lock the server out.
        if group == .administrators && !permissions.contains(.administer) { throw .forbidden("would_lock_out") }
        let event: DomainEvent = create
            ? .groupCreated(.init(group: group, name: clean, permissions: permissions))
            : .groupChanged(.init(group: group, name: clean, permissions: permissions))
        return Decision([PendingEvent(Streams.groups, event)])
    }
}

public struct DeleteGroup: Command {
    public var group: GroupID
    public init(group: GroupID) { self.group = group }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard state.groups.byID[group] != nil else { throw .notFound("group") }
        guard ![GroupID.administrators, .users, .guests].contains(group) else { throw .forbidden("default_group") }
        var events = [PendingEvent(Streams.groups, .groupDeleted(.init(group: group)))]
        for account in state.accounts.byID.values.sorted(by: { $0.id < $1.id }) where account.groups.contains(group) {
            events.append(PendingEvent(Streams.user(account.id), .userGroupsChanged(.init(
                groups: account.groups.filter { $0 != group }))))
        }
        return Decision(events)
    }
}

/// Server settings: name, registration switch, message length, retention.
public struct ChangeSettings: Command {
    public var settings: ServerSettings
    public init(settings: ServerSettings) { self.settings = settings }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let name = Names.text(settings.serverName, limit: 64), !name.isEmpty else { throw .invalid("server_name") }
        guard Limits.maxMessageLength.contains(settings.maxMessageLength) else { throw .invalid("max_message_length") }
        guard Limits.retentionDays.contains(settings.retentionDays) else { throw .invalid("retention_days") }
        var clean = settings
        clean.serverName = name
        return Decision([PendingEvent(Streams.server, .settingsChanged(.init(settings: clean)))])
    }
}

/// LAN discovery switched on or off by an administrator (docs/discovery.md).
public struct ChangeDiscovery: Command {
    public var broadcast: Bool
    public var multicastDNS: Bool

    public init(broadcast: Bool, multicastDNS: Bool) {
        self.broadcast = broadcast
        self.multicastDNS = multicastDNS
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        if state.server.discoveryBroadcast == broadcast && state.server.discoveryMulticastDNS == multicastDNS { return Decision([]) }
        return Decision([PendingEvent(Streams.server, .discoveryChanged(.init(broadcast: broadcast, multicastDNS: multicastDNS)))])
    }
}

/// The filters: flood limit, word filter, server password, address rules.
public struct ChangeFilters: Command {
    public enum Change: Sendable {
        case flood(FloodLimit)
        case words(WordFilter)
        /// A hash, or nil to remove the server password.
        case serverPassword(String?)
        case addresses(allow: [String], deny: [String])
    }

    public var change: Change
    /// The administrator's own address, where the door knows it: rules that would shut it out
    /// are refused (`would_lock_out`), as taking one's own administration away is.
    public var from: String?
    public init(_ change: Change, from: String? = nil) {
        self.change = change
        self.from = from
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        let event: DomainEvent
        switch change {
        case .flood(let limit):
            guard Limits.floodBurst.contains(limit.burst), Limits.floodPerMinute.contains(limit.perMinute) else {
                throw .invalid("flood_limit")
            }
            event = .floodLimitChanged(.init(limit: limit))
        case .words(let filter):
            guard filter.words.count <= 1000 else { throw .tooLarge("word_list") }
            var words: [String] = []
            for word in filter.words {
                guard let clean = Names.text(word, limit: 64) else { throw .invalid("word") }
                if !clean.isEmpty && !words.contains(clean) { words.append(clean) }
            }
            event = .wordFilterChanged(.init(filter: WordFilter(words: words, mode: filter.mode)))
        case .serverPassword(let hash):
            event = .serverPasswordChanged(.init(passwordHash: hash))
        case .addresses(let allow, let deny):
            guard allow.count + deny.count <= 1000 else { throw .tooLarge("address_rules") }
            for rule in allow + deny where AddressBlock(rule) == nil { throw .invalid("cidr") }
            if let from, !AddressRules.admit(from, allow: allow, deny: deny) { throw .forbidden("would_lock_out") }
            event = .addressRulesChanged(.init(allow: allow, deny: deny))
        }
        return Decision([PendingEvent(Streams.server, event)])
    }
}

/// An administrator's announcement to everyone, or to some users and the members of some groups
/// (resolved now: whoever is in the group when it is sent receives it, offline or not).
public struct Broadcast: Command {
    public var text: String
    public var recipients: [UserID]
    public var groups: [GroupID]
    public var mustRead: Bool

    public init(text: String, recipients: [UserID], groups: [GroupID] = [], mustRead: Bool = false) {
        self.text = text
        self.recipients = recipients
        self.groups = groups
        self.mustRead = mustRead
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        let trimmed = text.trimmedWhitespace
        guard !trimmed.isEmpty else { throw .invalid("empty_message") }
        guard trimmed.count <= state.server.settings.maxMessageLength else { throw .tooLarge("message_too_long") }
        guard recipients.count <= Limits.broadcastRecipients, groups.count <= 1000 else { throw .tooLarge("recipients") }
        for user in recipients where state.accounts[user] == nil { throw .notFound("user") }
        for group in groups where state.groups.byID[group] == nil { throw .notFound("group") }
        var resolved = Set(recipients)
        let wanted = Set(groups)
        for account in state.accounts.byID.values where !account.disabled && account.groups.contains(where: wanted.contains) {
            resolved.insert(account.id)
        }
        // Addressed to groups nobody is in: refuse rather than broadcast to everyone.
        if resolved.isEmpty && !groups.isEmpty { throw .invalid("no_recipients") }
        // The sender sees what they sent.
        if !resolved.isEmpty { resolved.insert(actor) }
        guard resolved.count <= Limits.broadcastRecipients else { throw .tooLarge("recipients") }
        let unique = Array(Set(groups))
        return Decision([PendingEvent(Streams.broadcasts, .broadcastSent(.init(
            text: trimmed, recipients: resolved.sorted(), groups: unique.sorted(), mustRead: mustRead)))])
    }
}
