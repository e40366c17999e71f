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
