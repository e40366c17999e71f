import CLMDB

/// Synchronous reads. Each runs in its own short LMDB read transaction; none blocks the writer.
extension LMDBEventStore {
    /// The last committed position and hash, as recorded in the store.
    public func currentHead() throws(EventStoreError) -> Head {
        try Self.storedHead(environment)
    }

    /// The event at `position`, nil if there is none.
    public func record(at position: UInt64) throws(EventStoreError) -> RecordedEvent? {
        try environment.read { (txn) throws(EventStoreError) in
            guard let bytes = try txn.get(environment.events, position: position) else { return nil }
            return try RecordCodec.decode(bytes, position: position, previous: nil)
        }
    }

    /// Up to `limit` events from `position` on, in log order.
    public func records(from position: UInt64, limit: Int) throws(EventStoreError) -> [RecordedEvent] {
        try Self.readRecords(environment, from: position, through: .max, limit: limit)
    }

    static func readRecords(_ environment: LMDBEnvironment, from: UInt64, through: UInt64, limit: Int)
        throws(EventStoreError) -> [RecordedEvent]
    {
        guard limit > 0, from <= through else { return [] }
        return try environment.read { (txn) throws(EventStoreError) in
            let cursor = try txn.cursor(environment.events)
            defer { cursor.close() }
            var result: [RecordedEvent] = []
            result.reserveCapacity(min(limit, 1024))
            var entry = try cursor.seek(position: max(from, 1))
            while let (key, value) = entry, result.count < limit {
                let position = key.bigEndianUInt64
                if position > through { break }
                result.append(try RecordCodec.decode(value, position: position, previous: nil))
                entry = try cursor.move(MDB_NEXT)
            }
            return result
        }
    }

    /// Calls `body` with every event from `from` through `through` (the head if nil), in order,
    /// until it returns false; with `types`, only events of those type tags (the others are skipped
    /// unread). With `verifyingChain`, each record's hash is recomputed from its predecessor's and a
    /// mismatch throws `corrupt` with the position.
    ///
    /// Reads in chunks, each in its own transaction, so that a long scan does not pin old pages.
    public func scan(
        from: UInt64 = 1, through: UInt64? = nil, verifyingChain: Bool = false, types: Set<UInt16>? = nil,
        chunk: Int = 8192, _ body: (RecordedEvent) throws -> Bool
    ) throws {
        let last = try through ?? currentHead().position
        var next = max(from, 1)
        var previous: ChainHash? = nil
        if verifyingChain {
            previous = try predecessorHash(of: next)
        }
        while next <= last {
            let (batch, following) = try environment.read { (txn) throws(EventStoreError) -> ([RecordedEvent], UInt64) in
                let cursor = try txn.cursor(environment.events)
                defer { cursor.close() }
                var events: [RecordedEvent] = []
                events.reserveCapacity(min(chunk, Int(last - next + 1)))
                var entry = try cursor.seek(position: next)
                var expected = next
                while let (key, value) = entry, expected - next < chunk, expected <= last {
                    let position = key.bigEndianUInt64
                    guard position == expected else {
                        throw EventStoreError(.corrupt, position: expected, "no record at this position")
                    }
                    // Records of other types are skipped unread (a chain check must read them all).
                    var wanted = true
                    if let types, !verifyingChain { wanted = types.contains(try RecordCodec.type(value, position: position)) }
                    if wanted {
                        let event = try RecordCodec.decode(value, position: position, previous: previous)
                        if verifyingChain { previous = event.hash }
                        events.append(event)
                    }
                    expected += 1
                    entry = try cursor.move(MDB_NEXT)
                }
                if expected == next {
                    throw EventStoreError(.corrupt, position: next, "no record at this position")
                }
                return (events, expected)
            }
            for event in batch where types?.contains(event.type) ?? true {
                if try !body(event) { return }
            }
            next = following
        }
    }

    /// The hash a record at `position` must extend: genesis for 1, else the stored hash before it.
    func predecessorHash(of position: UInt64) throws(EventStoreError) -> ChainHash {
        guard position > 1 else { return .genesis }
        return try environment.read { (txn) throws(EventStoreError) in
            guard let bytes = try txn.get(environment.events, position: position - 1) else {
                throw EventStoreError(.corrupt, position: position - 1, "no record at this position")
            }
            return try RecordCodec.storedHash(bytes, position: position - 1)
        }
    }

    /// Up to `limit` events of `stream` from `version` (nil: first, or last going backwards).
    /// Without the backlog in memory (read-only processes), the tail is read from the log.
    private func tail(_ pending: [IndexEntry]?, _ stream: String, _ txn: Transaction) throws(EventStoreError)
        -> [IndexEntry]
    {
        if let pending { return pending }
        return try Self.scanTail(of: stream, in: txn, environment: environment)
    }

    public func streamRecords(_ stream: String, from version: UInt64? = nil, direction: ReadDirection = .forward,
                              limit: Int) throws(EventStoreError) -> [RecordedEvent]
    {
        try Self.validate(stream: stream)
        guard limit > 0 else { return [] }
        // Taken before the transaction opens (see PendingIndex.snapshot).
        let pending = pendingIndex?.snapshot(stream)
        return try environment.read { (txn) throws(EventStoreError) in
            let recent = try tail(pending, stream, txn)
            let entries = try Self.streamEntries(
                stream, pending: recent,
                from: version, direction: direction, limit: limit, in: txn, environment: environment)
            return try entries.map { (entry) throws(EventStoreError) in
                guard let bytes = try txn.get(environment.events, position: entry.position) else {
                    throw EventStoreError(.corrupt, position: entry.position, "the stream index points at a missing record")
                }
                return try RecordCodec.decode(bytes, position: entry.position, previous: nil, stream: stream)
            }
        }
    }

    /// The last version of `stream`, 0 when it has no events.
    public func streamVersion(_ stream: String) throws(EventStoreError) -> UInt64 {
        try Self.validate(stream: stream)
        let pending = pendingIndex?.snapshot(stream)
        return try environment.read { (txn) throws(EventStoreError) in
            let recent = try tail(pending, stream, txn)
            let indexed = try Self.indexedLastVersion(of: stream, in: txn, environment: environment)
            return max(indexed, recent.last?.version ?? 0)
        }
    }

    /// The first position stamped at or after `timestamp`, found by binary search over the
    /// log's non-decreasing timestamps (no separate index).
    public func position(atOrAfter timestamp: Timestamp) throws(EventStoreError) -> UInt64? {
        try environment.read { (txn) throws(EventStoreError) -> UInt64? in
            let head = try Self.readHead(txn, environment)
            var low: UInt64 = 1
            var high = head.position + 1  // answer in [low, high]; high means "none"
            while low < high {
                let middle = low + (high - low) / 2
                guard let bytes = try txn.get(environment.events, position: middle) else {
                    throw EventStoreError(.corrupt, position: middle, "no record at this position")
                }
                if try RecordCodec.timestamp(bytes, position: middle) < timestamp {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            return low <= head.position ? low : nil
        }
    }

    /// Size of the store's data file in bytes.
    public func storedBytes() -> Int { environment.fileSize() }

    /// The current map size in bytes (it grows when full).
    public var mapSize: Int { environment.mapSize }
}
