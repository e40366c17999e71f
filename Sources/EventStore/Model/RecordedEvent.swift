public import struct Foundation.UUID

/// One event as the log recorded it: the envelope the store stamped plus the caller's payload.
public struct RecordedEvent: Sendable, Hashable {
    /// Global position in the log: 1, 2, 3… with no gaps.
    public var position: UInt64
    /// When the store committed it; never decreases along the log.
    public var timestamp: Timestamp
    /// The stream this event belongs to (a room, a user, a board…).
    public var stream: String
    /// 1 for the first event of the stream, then 2, 3…
    public var streamVersion: UInt64
    /// The event type's stable numeric tag (the domain's catalogue gives them meaning).
    public var type: UInt16
    /// The payload's schema version for that type.
    public var schemaVersion: UInt16
    /// Who caused it (a user id, "system", a tool).
    public var actor: String
    /// Ties together every event caused by one request.
    public var correlationID: UUID
    /// The event or command that caused this one.
    public var causationID: UUID
    /// The payload exactly as appended (decompressed if the store compressed it).
    public var payload: [UInt8]
    /// This record's link in the hash chain.
    public var hash: ChainHash

    public init(
        position: UInt64, timestamp: Timestamp, stream: String, streamVersion: UInt64,
        type: UInt16, schemaVersion: UInt16, actor: String, correlationID: UUID, causationID: UUID,
        payload: [UInt8], hash: ChainHash
    ) {
        self.position = position
        self.timestamp = timestamp
        self.stream = stream
        self.streamVersion = streamVersion
        self.type = type
        self.schemaVersion = schemaVersion
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
        self.payload = payload
        self.hash = hash
    }
}

/// An event to append. The store stamps position, time, stream version and hash.
public struct NewEvent: Sendable, Hashable {
    public var stream: String
    public var type: UInt16
    public var schemaVersion: UInt16
    public var actor: String
    public var correlationID: UUID
    public var causationID: UUID
    public var payload: [UInt8]

    public init(
        stream: String, type: UInt16, schemaVersion: UInt16 = 1, actor: String,
        correlationID: UUID = UUID(), causationID: UUID? = nil, payload: [UInt8]
    ) {
        self.stream = stream
        self.type = type
        self.schemaVersion = schemaVersion
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID ?? correlationID
        self.payload = payload
    }
}
