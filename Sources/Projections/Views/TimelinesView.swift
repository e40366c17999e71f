/// Per room: where its events and messages are in the log, and the messages edited or deleted
/// since. Message texts stay in the log; history pages are read from there and overlaid with
/// these revisions.
public struct TimelinesView: Hashable, Sendable {
    public struct Revision: Hashable, Sendable {
        /// The latest text; nil once deleted.
        public var text: String?
        public var edited: Bool
        public var deleted: Bool
        /// When it was last changed (µs).
        public var changedAt: Int64
    }

    public struct Timeline: Hashable, Sendable {
        /// Positions of every event of the room's stream; index i holds stream version i + 1.
        public var eventPositions: [UInt64] = []
        /// Positions of the messages posted, in order.
        public var messagePositions: [UInt64] = []
        public var revisions: [MessageID: Revision] = [:]
        /// When the last message was posted (µs), to sort conversations.
        public var lastMessageAt: Int64 = 0

        /// Messages after `position`.
        public func messages(after position: UInt64) -> Int {
            messagePositions.count - messagePositions.upperBound(of: position)
        }

        /// The stream version of the first room event at or after `position`, nil if none.
        public func firstVersion(atOrAfter position: UInt64) -> UInt64? {
            let index = eventPositions.lowerBound(of: position)
            return index < eventPositions.count ? UInt64(index + 1) : nil
        }
    }

    public var byRoom: [RoomID: Timeline] = [:]
    /// Recent client message ids per author (for idempotent sends): id → position.
    public var recentClientIDs: [UserID: ClientIDWindow] = [:]

    public init() {}

    public subscript(room: RoomID) -> Timeline? { byRoom[room] }

    public mutating func apply(_ event: StoredEvent) {
        guard let room = event.room else { return }
        byRoom[room, default: Timeline()].eventPositions.append(event.position)
        switch event.event {
        case .messagePosted(let e):
            byRoom[room]!.messagePositions.append(event.position)
            byRoom[room]!.lastMessageAt = event.timestamp
            recentClientIDs[event.actor, default: ClientIDWindow()].insert(e.clientID, position: event.position)
        case .messageEdited(let e):
            byRoom[room]!.revisions[e.message] = Revision(
                text: e.text, edited: true, deleted: false, changedAt: event.timestamp)
        case .messageDeleted(let e):
            let edited = byRoom[room]!.revisions[e.message]?.edited ?? false
            byRoom[room]!.revisions[e.message] = Revision(
                text: nil, edited: edited, deleted: true, changedAt: event.timestamp)
        default: break
        }
    }
}

/// The last client ids an author used, so that a retried send is recognised.
public struct ClientIDWindow: Hashable, Sendable {
    public static let capacity = 512
    private var positions: [String: UInt64] = [:]
    private var order: [String] = []
    private var start = 0

    public init() {}

    public subscript(clientID: String) -> UInt64? { positions[clientID] }

    mutating func insert(_ clientID: String, position: UInt64) {
        guard !clientID.isEmpty, positions[clientID] == nil else { return }
        positions[clientID] = position
        order.append(clientID)
        if order.count - start > Self.capacity {
            positions.removeValue(forKey: order[start])
            start += 1
            if start > Self.capacity {
                order.removeFirst(start)
                start = 0
            }
        }
    }
}

extension Array where Element == UInt64 {
    /// The index of the first element greater than `value` (the array is sorted).
    func upperBound(of value: UInt64) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The index of the first element not less than `value`.
    func lowerBound(of value: UInt64) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
