/// Server-wide facts (stream `server`).

/// The first start: the server got its name and its first administrator.
public struct ServerInitialized: EventPayload {
    public static let tag: UInt16 = 1
    public var serverName: String
    public var administrator: UserID

    public init(serverName: String, administrator: UserID) {
        self.serverName = serverName
        self.administrator = administrator
    }
    public func encode(to w: inout BinaryWriter) { w.write(serverName); w.write(administrator) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        serverName = try r.read(); administrator = try r.read()
    }
}

/// The server's general settings, stated in full each time.
public struct SettingsChanged: EventPayload {
    public static let tag: UInt16 = 2
    public var settings: ServerSettings

    public init(settings: ServerSettings) { self.settings = settings }
    public func encode(to w: inout BinaryWriter) { w.write(settings) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { settings = try r.read() }
}

public struct ServerSettings: Hashable, Sendable, BinaryCodable, Codable {
    public var serverName: String
    /// Whether people may create their own accounts.
    public var registrationOpen: Bool
    /// Characters per message at most.
    public var maxMessageLength: Int
    /// Users see no event older than this many days (history, catch-up, unread counts); the log
    /// keeps them for audits and exports. 0 shows all (docs/adr/007-retention-hides-history.md).
    public var retentionDays: Int

    public init(serverName: String = "Causerie", registrationOpen: Bool = true, maxMessageLength: Int = 4000,
                retentionDays: Int = 0) {
        self.serverName = serverName
        self.registrationOpen = registrationOpen
        self.maxMessageLength = maxMessageLength
        self.retentionDays = retentionDays
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(serverName); w.write(registrationOpen); w.write(maxMessageLength); w.write(retentionDays)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        serverName = try r.read(); registrationOpen = try r.read(); maxMessageLength = try r.read()
        retentionDays = try r.read()
    }
}

/// The anti-flood limit: a token bucket of `burst` messages refilled at `perMinute` a minute.
public struct FloodLimitChanged: EventPayload {
    public static let tag: UInt16 = 3
    public var limit: FloodLimit

    public init(limit: FloodLimit) { self.limit = limit }
    public func encode(to w: inout BinaryWriter) { w.write(limit) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { limit = try r.read() }
}

public struct FloodLimit: Hashable, Sendable, BinaryCodable, Codable {
    public var burst: Int
    public var perMinute: Int

    public init(burst: Int = 20, perMinute: Int = 60) {
        self.burst = burst
        self.perMinute = perMinute
    }
    public func encode(to w: inout BinaryWriter) { w.write(burst); w.write(perMinute) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { burst = try r.read(); perMinute = try r.read() }
}

/// The word filter: a list of words, and whether a message containing one is masked or refused.
public struct WordFilterChanged: EventPayload {
    public static let tag: UInt16 = 4
    public var filter: WordFilter

    public init(filter: WordFilter) { self.filter = filter }
    public func encode(to w: inout BinaryWriter) { w.write(filter) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { filter = try r.read() }
}

public struct WordFilter: Hashable, Sendable, BinaryCodable, Codable {
    public enum Mode: String, Hashable, Sendable, Codable {
        case mask, reject
    }
    public var words: [String]
    public var mode: Mode

    public init(words: [String] = [], mode: Mode = .mask) {
        self.words = words
        self.mode = mode
    }
    public func encode(to w: inout BinaryWriter) { w.write(words); w.write(mode == .reject) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        words = try r.read()
        mode = try r.read() as Bool ? .reject : .mask
    }
}

/// The extra server password every client must give to connect (nil: none).
public struct ServerPasswordChanged: EventPayload {
    public static let tag: UInt16 = 5
    public var passwordHash: String?

    public init(passwordHash: String?) { self.passwordHash = passwordHash }
    public func encode(to w: inout BinaryWriter) { w.write(passwordHash) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { passwordHash = try r.read() }
}

/// Which network addresses may connect (CIDR blocks). Empty allow list: everyone not denied.
public struct AddressRulesChanged: EventPayload {
    public static let tag: UInt16 = 6
    public var allow: [String]
    public var deny: [String]

    public init(allow: [String], deny: [String]) {
        self.allow = allow
        self.deny = deny
    }
    public func encode(to w: inout BinaryWriter) { w.write(allow); w.write(deny) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { allow = try r.read(); deny = try r.read() }
}

/// Whether the server answers LAN discovery broadcasts and announces itself over mDNS, as an
/// administrator switched them (the start-up options decide whether they can run at all).
public struct DiscoveryChanged: EventPayload {
    public static let tag: UInt16 = 8
    public var broadcast: Bool
    public var multicastDNS: Bool

    public init(broadcast: Bool, multicastDNS: Bool) {
        self.broadcast = broadcast
        self.multicastDNS = multicastDNS
    }
    public func encode(to w: inout BinaryWriter) { w.write(broadcast); w.write(multicastDNS) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { broadcast = try r.read(); multicastDNS = try r.read() }
}

/// An administrator's message to every user or to a list (stream `broadcasts`).
///
/// Version 2 adds `groups`: the groups the administrator chose, kept for the record; `recipients`
/// already holds their members as they were then (a later change of a group changes nothing).
public struct BroadcastSent: EventPayload {
    public static let tag: UInt16 = 7
    /// 2: `groups`; 3: `mustRead`.
    public static let version: UInt16 = 3
    public var text: String
    /// Who receives it, resolved when sent; empty: everyone (also those registered later).
    public var recipients: [UserID]
    /// The groups it was addressed to (their members are in `recipients`).
    public var groups: [GroupID]
    /// Each recipient must acknowledge it (`BroadcastAcknowledged`).
    public var mustRead: Bool

    public init(text: String, recipients: [UserID], groups: [GroupID] = [], mustRead: Bool = false) {
        self.text = text
        self.recipients = recipients
        self.groups = groups
        self.mustRead = mustRead
    }
    public func encode(to w: inout BinaryWriter) { w.write(text); w.write(recipients); w.write(groups); w.write(mustRead) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { try self.init(from: &r, version: Self.version) }
    public init(from r: inout BinaryReader, version: UInt16) throws(BinaryReader.Malformed) {
        text = try r.read()
        recipients = try r.read()
        groups = version >= 2 ? try r.read() : []
        mustRead = version >= 3 ? try r.read() : false
    }
}
