/// Server-wide settings and filters, folded from the `server` stream.
public struct ServerView: Hashable, Sendable {
    public var initialized = false
    public var settings = ServerSettings()
    public var flood = FloodLimit()
    public var wordFilter = WordFilter()
    public var serverPasswordHash: String?
    public var allow: [String] = []
    public var deny: [String] = []
    /// LAN discovery as the administrators switched it (on until they say otherwise).
    public var discoveryBroadcast = true
    public var discoveryMulticastDNS = true

    public init() {}

    public mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .serverInitialized(let e):
            initialized = true
            settings.serverName = e.serverName
        case .settingsChanged(let e): settings = e.settings
        case .floodLimitChanged(let e): flood = e.limit
        case .wordFilterChanged(let e): wordFilter = e.filter
        case .serverPasswordChanged(let e): serverPasswordHash = e.passwordHash
        case .addressRulesChanged(let e):
            allow = e.allow
            deny = e.deny
        case .discoveryChanged(let e):
            discoveryBroadcast = e.broadcast
            discoveryMulticastDNS = e.multicastDNS
        default: break
        }
    }
}
