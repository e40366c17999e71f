/// The append-only event log that Projections, Gateway and Tools depend on.
///
/// LMDB (`LMDBEventStore`) is the embedded default. A backend shared by several gateways (for
/// example PostgreSQL) implements the same protocol; nothing above the store changes.
///
/// Errors thrown are `EventStoreError`.
public protocol EventLog: AnyObject, Sendable {
    /// Appends events atomically, after checking `conditions`; returns once they are durable.
    /// Events get consecutive positions and one timestamp. Concurrent callers are batched into
    /// one commit (group commit).
    @discardableResult
    func append(_ events: [NewEvent], conditions: [StreamCondition]) async throws -> AppendResult

    /// Up to `limit` events from `position` on, in log order.
    func read(from position: UInt64, limit: Int) async throws -> [RecordedEvent]

    /// Up to `limit` events of one stream, starting at `version` (nil: the first, or the last
    /// when reading backwards).
    func readStream(_ stream: String, from version: UInt64?, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]

    /// The position of the first event stamped at or after `timestamp`, nil if there is none.
    func firstPosition(atOrAfter timestamp: Timestamp) async throws -> UInt64?

    /// Every event from `position` on: first those on disk, then live ones.
    func subscribe(from position: UInt64) -> EventSubscription

    /// The last committed position and its chain hash.
    func head() async throws -> Head

    /// Recomputes the hash chain and each record's integrity over `[from, to]` (nil: to the head).
    func verify(from: UInt64, to: UInt64?) async throws -> VerificationReport
}

extension EventLog {
    /// Appends without stream conditions.
    @discardableResult
    public func append(_ events: [NewEvent]) async throws -> AppendResult {
        try await append(events, conditions: [])
    }
}

/// The log as batch tools read it: replay, audit, anchors and compliance export go through the
/// whole history in one pass, in a process of their own, so their reads are synchronous
/// (docs/architecture.md). A backend shared by several gateways implements this with blocking
/// queries, as it implements `EventLog` for servers.
///
/// Errors thrown are `EventStoreError`.
public protocol EventLogReader: AnyObject, Sendable {
    /// Identifies this store across copies of it (backups, anchors).
    var storeID: String { get }

    /// The last committed position and its chain hash.
    func currentHead() throws -> Head

    /// The event at `position`, nil past the head.
    func record(at position: UInt64) throws -> RecordedEvent?

    /// The chain hash stored with the event at `position`, nil past the head.
    func hash(at position: UInt64) throws -> ChainHash?

    /// The first position stamped at or after `timestamp`, nil if there is none.
    func position(atOrAfter timestamp: Timestamp) throws -> UInt64?

    /// Calls `body` with every event from `from` through `through` (the head if nil), in order,
    /// until it returns false. With `types`, only events of those tags; with `verifyingChain`,
    /// each record's hash is checked against its predecessor's (a mismatch throws `corrupt`).
    func scan(from: UInt64, through: UInt64?, verifyingChain: Bool, types: Set<UInt16>?, chunk: Int,
              _ body: (RecordedEvent) throws -> Bool) throws
}

extension EventLogReader {
    /// Every event from `from` through `through`, chain unchecked, all types.
    public func scan(from: UInt64 = 1, through: UInt64? = nil, types: Set<UInt16>? = nil,
                     _ body: (RecordedEvent) throws -> Bool) throws {
        try scan(from: from, through: through, verifyingChain: false, types: types, chunk: 8192, body)
    }
}
