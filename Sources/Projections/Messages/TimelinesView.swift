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
        /// Positions of the messages deleted since, in order (they no longer count as unread).
        public var deletedPositions: [UInt64] = []

        /// Messages after `position` still there.
        public func messages(after position: UInt64) -> Int {
            (messagePositions.count - messagePositions.upperBound(of: position))
                - (deletedPositions.count - deletedPositions.upperBound(of: position))
        }

        mutating func record(_ event: StoredEvent) {
            eventPositions.append(event.position)
            switch event.event {
            case .messagePosted:
                messagePositions.append(event.position)
                lastMessageAt = event.timestamp
            case .messageEdited(let e):
                revisions[e.message] = Revision(text: e.text, edited: true, deleted: false, changedAt: event.timestamp)
            case .messageDeleted(let e):
                let edited = revisions[e.message]?.edited ?? false
                if revisions[e.message]?.deleted != true {
                    deletedPositions.insert(e.message, at: deletedPositions.lowerBound(of: e.message))
                }
                revisions[e.message] = Revision(text: nil, edited: edited, deleted: true, changedAt: event.timestamp)
            default: break
            }
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
        // One dictionary access per event: this runs for every event at every start.
        byRoom[room, default: Timeline()].record(event)
        if case .messagePosted(let e) = event.event, !e.clientID.isEmpty {
            recentClientIDs[event.actor, default: ClientIDWindow()].insert(ClientIDWindow.key(room, e.clientID), position: event.position)
        }
    }
}

/// The last client ids an author used, so that a retried send is recognised.
///
/// A ring of the last 512 ids, kept as 64-bit FNV-1a digests: recording one (every message, at
/// every start) costs no hashing of a dictionary key; looking one up (once per send) scans 512
/// integers. Two ids of one author among their last 512 sharing a digest has a probability near
/// 2⁻⁴⁵.
public struct ClientIDWindow: Hashable, Sendable {
    public static let capacity = 512
    private var digests: [UInt64] = []
    private var positions: [UInt64] = []
    private var next = 0

    public init() {}

    public subscript(clientID: String) -> UInt64? {
        let key = Self.digest(clientID)
        // Newest first, so that the latest use of an id wins.
        var index = next
        for _ in 0..<digests.count {
            index = index == 0 ? digests.count - 1 : index - 1
            if digests[index] == key { return positions[index] }
        }
        return nil
    }

    mutating func insert(_ clientID: String, position: UInt64) {
        guard !clientID.isEmpty else { return }
        let key = Self.digest(clientID)
        if digests.count < Self.capacity {
            digests.append(key)
            positions.append(position)
            next = digests.count % Self.capacity
        } else {
            digests[next] = key
            positions[next] = position
            next = (next + 1) % Self.capacity
        }
    }

    /// A client id is per author and room (the same id in another room is another message).
    public static func key(_ room: RoomID, _ clientID: String) -> String { room.rawValue + "\u{0}" + clientID }

    static func digest(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

extension Array where Element == UInt64 {
    /// The index of the first element greater than `value` (the array is sorted).
    public func upperBound(of value: UInt64) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The index of the first element not less than `value`.
    public func lowerBound(of value: UInt64) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
