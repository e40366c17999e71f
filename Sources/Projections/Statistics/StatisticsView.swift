/// Connections, time online and traffic, per user and for the server.
public struct StatisticsView: Hashable, Sendable {
    public struct Totals: Hashable, Sendable, Codable {
        public var connections = 0
        /// Seconds connected, over closed connections.
        public var secondsOnline: Int64 = 0
        public var bytesIn: UInt64 = 0
        public var bytesOut: UInt64 = 0
        public var messages = 0
        /// When last connected or disconnected, in milliseconds since 1970 (as every time clients see).
        public var lastSeen: Int64 = 0
        /// The address the last connection came from ("" for the server's totals).
        public var lastAddress = ""

        public init() {}
    }

    public var perUser: [UserID: Totals] = [:]
    public var server = Totals()
    /// Open connections: id → (user, opened at µs).
    public var open: [String: (user: UserID, since: Int64)] = [:]

    public init() {}

    public static func == (lhs: StatisticsView, rhs: StatisticsView) -> Bool {
        lhs.perUser == rhs.perUser && lhs.server == rhs.server && lhs.open.keys.sorted() == rhs.open.keys.sorted()
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(perUser)
        hasher.combine(server)
    }

    public mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .connectionOpened(let e):
            guard let user = event.user else { return }
            open[e.connection] = (user, event.timestamp)
            perUser[user, default: Totals()].connections += 1
            perUser[user]!.lastSeen = event.timestamp / 1000
            perUser[user]!.lastAddress = e.address
            server.lastSeen = event.timestamp / 1000
            server.connections += 1
        case .connectionClosed(let e):
            guard let (user, since) = open.removeValue(forKey: e.connection) else { return }
            let seconds = max(0, (event.timestamp - since) / 1_000_000)
            perUser[user, default: Totals()].secondsOnline += seconds
            perUser[user]!.bytesIn += e.bytesIn
            perUser[user]!.bytesOut += e.bytesOut
            perUser[user]!.lastSeen = event.timestamp / 1000
            server.lastSeen = event.timestamp / 1000
            server.secondsOnline += seconds
            server.bytesIn += e.bytesIn
            server.bytesOut += e.bytesOut
        case .messagePosted:
            perUser[event.actor, default: Totals()].messages += 1
            server.messages += 1
        default: break
        }
    }
}
