/// Activity over time for the statistics dashboard (ADR 013), folded from the log like every
/// view: hour by hour (UTC), who was online at once, connections and logins, messages, traffic;
/// day by day (UTC), who connected at all and the messages of each room. Hours with no event
/// hold no entry: a reader carries `endUsers`/`endConnections` of the hour before.
public struct ActivityView: Hashable, Sendable {
    public struct Hour: Hashable, Sendable {
        /// Distinct users online at the same time, at most, and connections likewise.
        public var peakUsers = 0
        public var peakConnections = 0
        /// Online at the hour's last event (what the next empty hours had).
        public var endUsers = 0
        public var endConnections = 0
        /// Connections opened, logins (sessions started), messages posted.
        public var connections = 0
        public var logins = 0
        public var messages = 0
        /// Bytes over the connections that closed in this hour.
        public var bytesIn: UInt64 = 0
        public var bytesOut: UInt64 = 0
    }

    public static let microsecondsPerHour: Int64 = 3_600_000_000
    public static let microsecondsPerDay: Int64 = 24 * microsecondsPerHour

    /// Hour index (µs since the epoch / one hour) → its figures.
    public private(set) var hours: [Int64: Hour] = [:]
    /// Day index → the users who had a connection open that day.
    public private(set) var activeUsers: [Int64: Set<UserID>] = [:]
    /// Day index → messages posted in each room (direct conversations included).
    public private(set) var roomMessages: [Int64: [RoomID: Int]] = [:]
    private var open: [String: UserID] = [:]
    private var openPerUser: [UserID: Int] = [:]

    public init() {}

    /// Online now, as the log says (connections opened and not closed).
    public var usersOnline: Int { openPerUser.count }

    public mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .connectionOpened, .connectionClosed, .sessionStarted, .messagePosted: break
        default: return
        }
        let hour = event.timestamp / Self.microsecondsPerHour
        let day = event.timestamp / Self.microsecondsPerDay
        // A new hour starts from who is online already, before this event changes it.
        var figures = hours[hour] ?? Hour(peakUsers: openPerUser.count, peakConnections: open.count)
        switch event.event {
        case .connectionOpened(let e):
            guard let user = event.user else { return }
            open[e.connection] = user
            openPerUser[user, default: 0] += 1
            activeUsers[day, default: []].insert(user)
            figures.connections += 1
        case .connectionClosed(let e):
            guard let user = open.removeValue(forKey: e.connection) else { return }
            if let count = openPerUser[user], count > 1 { openPerUser[user] = count - 1 } else { openPerUser.removeValue(forKey: user) }
            figures.bytesIn &+= e.bytesIn
            figures.bytesOut &+= e.bytesOut
        case .sessionStarted:
            figures.logins += 1
        case .messagePosted:
            figures.messages += 1
            if let room = event.room { roomMessages[day, default: [:]][room, default: 0] += 1 }
        default:
            return
        }
        figures.peakUsers = max(figures.peakUsers, openPerUser.count)
        figures.peakConnections = max(figures.peakConnections, open.count)
        figures.endUsers = openPerUser.count
        figures.endConnections = open.count
        hours[hour] = figures
    }
}
