/// Commands on the bulletin board and on must-read broadcasts. Every door decides through these.

extension ChatState {
    /// Who may post notices: administrators, and members of a group given `postBulletin`.
    public func requireBulletinPoster(_ actor: UserID) throws(Rejection) {
        _ = try activeAccount(actor)
        let rights = permissions(of: actor)
        guard rights.contains(.postBulletin) || rights.contains(.administer) else {
            throw .forbidden("missing_permission:postBulletin")
        }
    }

    /// A notice `user` may read: addressed to them, theirs, or any for an administrator. Others
    /// are `notFound`, exactly like one that does not exist.
    public func readableNotice(_ id: BulletinID, _ user: UserID) throws(Rejection) -> BulletinView.Notice {
        _ = try activeAccount(user)
        guard let notice = bulletin[id], notice.isFor(user) || notice.author == user || isAdministrator(user) else {
            throw .notFound("bulletin")
        }
        return notice
    }

    /// A notice its author or an administrator may change.
    func changeableNotice(_ id: BulletinID, _ actor: UserID) throws(Rejection) -> BulletinView.Notice {
        let notice = try readableNotice(id, actor)
        guard notice.author == actor || isAdministrator(actor) else { throw .forbidden("not_author") }
        return notice
    }

    /// The accounts (active) of `groups`, and `users`, resolved now.
    func recipients(groups: [GroupID], users: [UserID]) throws(Rejection) -> [UserID] {
        for user in users where accounts[user] == nil { throw .notFound("user") }
        for group in groups where self.groups.byID[group] == nil { throw .notFound("group") }
        var resolved = Set(users)
        let wanted = Set(groups)
        for account in accounts.byID.values where !account.disabled && account.groups.contains(where: wanted.contains) {
            resolved.insert(account.id)
        }
        return resolved.sorted()
    }

    /// Recipients of a notice or broadcast who have not acknowledged it (active accounts only).
    func unacknowledged(everyone: Bool, recipients: [UserID], acknowledged: [UserID: Int64], author: UserID) -> [UserID] {
        let candidates = everyone ? Array(accounts.byID.keys) : recipients
        return candidates.filter { user in
            guard let account = accounts[user], !account.disabled, account.origin != .bot else { return false }
            return user != author && acknowledged[user] == nil
        }.sorted()
    }
}

/// Posts a notice.
public struct PostBulletin: Command {
    public var bulletin: BulletinID
    public var title: String
    public var body: String
    /// Files the author may read, attached by reference.
    public var attachments: [FileID]
    public var everyone: Bool
    public var groups: [GroupID]
    public var users: [UserID]
    public var pinned: Bool
    /// Microseconds since the epoch; 0: it stays until withdrawn.
    public var expiresAt: Int64
    public var mustRead: Bool

    public init(bulletin: BulletinID, title: String, body: String, attachments: [FileID] = [], everyone: Bool = true,
                groups: [GroupID] = [], users: [UserID] = [], pinned: Bool = false, expiresAt: Int64 = 0, mustRead: Bool = false) {
        self.bulletin = bulletin
        self.title = title
        self.body = body
        self.attachments = attachments
        self.everyone = everyone
        self.groups = groups
        self.users = users
        self.pinned = pinned
        self.expiresAt = expiresAt
        self.mustRead = mustRead
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireBulletinPoster(actor)
        guard state.bulletin[bulletin] == nil else { throw .conflict("bulletin_exists") }
        let title = try boardText(self.title, "title", limit: BulletinLimits.title, required: true)
        let body = try boardText(self.body, "body", limit: BulletinLimits.body, multiline: true)
        guard expiresAt == 0 || (expiresAt > now && expiresAt <= 253_402_300_799_000_000) else { throw .invalid("expires") }
        guard attachments.count <= BulletinLimits.attachments else { throw .tooLarge("attachments") }
        guard users.count <= BulletinLimits.users, groups.count <= 1000 else { throw .tooLarge("recipients") }
        var files: [BulletinAttachment] = []
        for id in attachments {
            let file = try state.readableFile(id, actor)
            files.append(BulletinAttachment(name: file.name, blob: file.blob))
        }
        var audience = BulletinAudience(everyone: everyone)
        if !everyone {
            audience.groups = Array(Set(groups)).sorted()
            audience.users = Array(Set(users)).sorted()
            audience.recipients = try state.recipients(groups: groups, users: users)
            guard !audience.recipients.isEmpty else { throw .invalid("no_recipients") }
        }
        return Decision([PendingEvent(Streams.bulletin(bulletin), .bulletinPosted(BulletinPosted(
            bulletin: bulletin, title: title, body: body, attachments: files, audience: audience, pinned: pinned,
            expiresAt: expiresAt, mustRead: mustRead)))], mustBeNew: [Streams.bulletin(bulletin)])
    }
}

/// Changes a notice's title, text, pin or expiry (its author or an administrator).
public struct EditBulletin: Command {
    public var bulletin: BulletinID
    public var title: String?
    public var body: String?
    public var pinned: Bool?
    /// 0: never expires.
    public var expiresAt: Int64?

    public init(bulletin: BulletinID, title: String? = nil, body: String? = nil, pinned: Bool? = nil, expiresAt: Int64? = nil) {
        self.bulletin = bulletin
        self.title = title
        self.body = body
        self.pinned = pinned
        self.expiresAt = expiresAt
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let notice = try state.changeableNotice(bulletin, actor)
        guard !notice.withdrawn else { throw .conflict("bulletin_withdrawn") }
        let newTitle = try title.map { raw throws(Rejection) in try boardText(raw, "title", limit: BulletinLimits.title, required: true) }
        let newBody = try body.map { raw throws(Rejection) in try boardText(raw, "body", limit: BulletinLimits.body, multiline: true) }
        if let expiresAt {
            guard expiresAt == 0 || (expiresAt > now && expiresAt <= 253_402_300_799_000_000) else { throw .invalid("expires") }
        }
        let edited = BulletinEdited(bulletin: bulletin, title: newTitle ?? notice.title, body: newBody ?? notice.body,
                                    pinned: pinned ?? notice.pinned, expiresAt: expiresAt ?? notice.expiresAt)
        guard edited.title != notice.title || edited.body != notice.body || edited.pinned != notice.pinned
            || edited.expiresAt != notice.expiresAt
        else { return Decision([]) }
        return Decision([PendingEvent(Streams.bulletin(bulletin), .bulletinEdited(edited))])
    }
}

/// Takes a notice down (its author or an administrator).
public struct WithdrawBulletin: Command {
    public var bulletin: BulletinID

    public init(bulletin: BulletinID) { self.bulletin = bulletin }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let notice = try state.changeableNotice(bulletin, actor)
        guard !notice.withdrawn else { return Decision([]) }
        return Decision([PendingEvent(Streams.bulletin(bulletin), .bulletinWithdrawn(BulletinWithdrawn(bulletin: bulletin)))])
    }
}

/// A recipient acknowledges a notice (once; again changes nothing).
public struct AcknowledgeBulletin: Command {
    public var bulletin: BulletinID

    public init(bulletin: BulletinID) { self.bulletin = bulletin }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        // Only its recipients acknowledge it: to anyone else it does not exist.
        guard let notice = state.bulletin[bulletin], notice.isFor(actor) else { throw .notFound("bulletin") }
        guard notice.acknowledged[actor] == nil else { return Decision([]) }
        guard !notice.withdrawn else { throw .conflict("bulletin_withdrawn") }
        return Decision([PendingEvent(Streams.bulletin(bulletin), .bulletinAcknowledged(BulletinAcknowledged(bulletin: bulletin)))])
    }
}

/// Reminds the recipients who have not acknowledged a must-read notice (its author or an
/// administrator).
public struct RemindBulletin: Command {
    public var bulletin: BulletinID

    public init(bulletin: BulletinID) { self.bulletin = bulletin }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let notice = try state.changeableNotice(bulletin, actor)
        guard notice.mustRead else { throw .conflict("not_must_read") }
        guard !notice.withdrawn else { throw .conflict("bulletin_withdrawn") }
        let users = state.unacknowledged(everyone: notice.audience.everyone, recipients: notice.audience.recipients,
                                         acknowledged: notice.acknowledged, author: notice.author)
        guard !users.isEmpty else { return Decision([]) }
        return Decision([PendingEvent(Streams.bulletin(bulletin), .bulletinReminded(BulletinReminded(bulletin: bulletin, users: users)))])
    }
}

/// A recipient acknowledges a must-read broadcast.
public struct AcknowledgeBroadcast: Command {
    public var broadcast: UInt64

    public init(broadcast: UInt64) { self.broadcast = broadcast }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        guard let entry = state.announcements.entry(at: broadcast), entry.recipients?.contains(actor) ?? true else {
            throw .notFound("broadcast")
        }
        guard entry.mustRead else { throw .conflict("not_must_read") }
        guard entry.acknowledged[actor] == nil else { return Decision([]) }
        return Decision([PendingEvent(Streams.broadcasts, .broadcastAcknowledged(BroadcastAcknowledged(broadcast: broadcast)))])
    }
}

/// Reminds those who have not acknowledged a must-read broadcast (administrators).
public struct RemindBroadcast: Command {
    public var broadcast: UInt64

    public init(broadcast: UInt64) { self.broadcast = broadcast }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard let entry = state.announcements.entry(at: broadcast) else { throw .notFound("broadcast") }
        guard entry.mustRead else { throw .conflict("not_must_read") }
        let users = state.unacknowledged(everyone: entry.recipients == nil, recipients: entry.recipients.map { Array($0) } ?? [],
                                         acknowledged: entry.acknowledged, author: entry.author)
        guard !users.isEmpty else { return Decision([]) }
        return Decision([PendingEvent(Streams.broadcasts, .broadcastReminded(BroadcastReminded(broadcast: broadcast, users: users)))])
    }
}
