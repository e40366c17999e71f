import CLMDB
import Foundation
public import Logging
import Synchronization

/// The embedded event log: one LMDB environment in a directory (`data.mdb`, `lock.mdb`,
/// `writer.lock`).
///
/// One process at a time opens it for writing; any number may open it read-only at the same
/// time (backups, audits, exports while the server runs).
public final class LMDBEventStore: EventLog, EventLogReader {
    /// How to open the store. Every parameter has a default; tests shrink the map to exercise growth.
    public struct Configuration: Sendable {
        public var directory: String
        public var readOnly: Bool
        /// The map's size at first open; it doubles when full, up to `maxMapSize`.
        public var initialMapSize: Int
        /// The largest the log may grow; appends beyond are refused with `storageFull`.
        public var maxMapSize: Int
        /// Payloads of at least this many bytes are stored zstd-compressed when that saves space.
        public var compressionThreshold: Int
        /// Appends taken into one commit at most.
        public var maxBatchAppends: Int
        /// Live events buffered per subscriber before it falls back to reading from disk.
        public var subscriberBuffer: Int
        public var maxReaders: UInt32
        public var maxPayloadBytes: Int
        public var maxEventsPerAppend: Int
        /// The stream index is written behind the log (ADR 002): a stream's entries wait in memory
        /// until this many events were appended after its oldest one…
        public var indexLag: UInt64
        /// …or until it has this many…
        public var indexHotCount: Int
        /// …and at most this many streams are written to the index per commit.
        public var indexStreamsPerCommit: Int
        /// The store's clock. Stamps never go below the last one whatever it says. Benchmarks and
        /// tests set a simulated clock to lay out months of history in seconds.
        public var clock: @Sendable () -> Timestamp

        public init(
            directory: String, readOnly: Bool = false, initialMapSize: Int = 1 << 30, maxMapSize: Int = 1 << 40,
            compressionThreshold: Int = 1024, maxBatchAppends: Int = 4096, subscriberBuffer: Int = 4096,
            maxReaders: UInt32 = 1024, maxPayloadBytes: Int = 16 << 20, maxEventsPerAppend: Int = 10_000,
            indexLag: UInt64 = 8192, indexHotCount: Int = 256, indexStreamsPerCommit: Int = 16,
            clock: @escaping @Sendable () -> Timestamp = Timestamp.now
        ) {
            self.directory = directory
            self.readOnly = readOnly
            self.initialMapSize = initialMapSize
            self.maxMapSize = maxMapSize
            self.compressionThreshold = compressionThreshold
            self.maxBatchAppends = maxBatchAppends
            self.subscriberBuffer = subscriberBuffer
            self.maxReaders = maxReaders
            self.maxPayloadBytes = maxPayloadBytes
            self.maxEventsPerAppend = maxEventsPerAppend
            self.indexLag = indexLag
            self.indexHotCount = indexHotCount
            self.indexStreamsPerCommit = indexStreamsPerCommit
            self.clock = clock
        }

        /// A copy with some fields changed.
        public func with(_ change: (inout Configuration) -> Void) -> Configuration {
            var copy = self
            change(&copy)
            return copy
        }
    }

    /// The on-disk layout version this build writes and reads (meta key `layout`).
    public static let layoutVersion: UInt8 = 1

    public let configuration: Configuration
    /// A random id given to the store when it was created (hex), carried into backups.
    public let storeID: String
    /// Commits and appends since the store was opened.
    public var statistics: WriterStatistics { writer?.statistics ?? WriterStatistics() }
    /// Reader slots of dead processes cleared when this store was opened.
    public let staleReadersCleared: Int32
    let environment: LMDBEnvironment
    let hub: SubscriptionHub
    /// The stream-index backlog, in the writer's process only (nil when read-only).
    let pendingIndex: PendingIndex?
    private let writer: GroupCommitWriter?
    private let writerLock: WriterLock?
    private let logger: Logger
    private let closed = Mutex(false)

    public init(_ configuration: Configuration, logger: Logger = Logger(label: "causerie.eventstore")) throws(EventStoreError) {
        self.configuration = configuration
        self.logger = logger
        let directory = configuration.directory
        if !configuration.readOnly {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw EventStoreError(.io, "cannot create \(directory): \(error.localizedDescription)")
            }
        }
        writerLock = configuration.readOnly ? nil : try WriterLock(directory: directory)
        let environment = try LMDBEnvironment(
            directory: directory, readOnly: configuration.readOnly, mapSize: configuration.initialMapSize,
            maxReaders: configuration.maxReaders)
        self.environment = environment
        do throws(EventStoreError) {
            let stale = environment.clearStaleReaders()
            staleReadersCleared = stale
            if stale > 0 {
                logger.notice("cleared reader slots left by dead processes", metadata: ["store.stale_readers": "\(stale)"])
            }
            let (storeID, head) = try Self.openMeta(environment, readOnly: configuration.readOnly)
            self.storeID = storeID
            let lastTimestamp = try environment.read { (txn) throws(EventStoreError) -> Timestamp in
                guard head.position > 0, let bytes = try txn.get(environment.events, position: head.position) else {
                    return Timestamp(microseconds: 0)
                }
                return try RecordCodec.timestamp(bytes, position: head.position)
            }
            let readDisk: SubscriptionHub.DiskReader = { from, through, limit in
                try Self.readRecords(environment, from: from, through: through, limit: limit)
            }
            let pollHead: SubscriptionHub.HeadReader = { try Self.storedHead(environment).position }
            hub = SubscriptionHub(
                head: head.position, bufferCapacity: configuration.subscriberBuffer, readDisk: readDisk,
                pollHead: configuration.readOnly ? pollHead : nil)
            if configuration.readOnly {
                writer = nil
                pendingIndex = nil
            } else {
                var (backlog, pending) = try Self.recoverIndexBacklog(environment)
                backlog.lag = configuration.indexLag
                backlog.hotCount = configuration.indexHotCount
                backlog.streamsPerCommit = configuration.indexStreamsPerCommit
                pendingIndex = pending
                let writer = GroupCommitWriter(
                    environment: environment, hub: hub, pending: pending, backlog: backlog, head: head,
                    lastTimestamp: lastTimestamp,
                    limits: .init(
                        maxBatchAppends: configuration.maxBatchAppends,
                        compressionThreshold: configuration.compressionThreshold,
                        maxMapSize: max(configuration.maxMapSize, environment.mapSize)),
                    clock: configuration.clock,
                    logger: logger)
                writer.start()
                self.writer = writer
            }
            logger.info("event log open", metadata: [
                "store.directory": "\(directory)", "store.head": "\(head.position)",
                "store.read_only": "\(configuration.readOnly)",
            ])
        } catch {
            environment.close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Finishes the commit under way, fails queued appends, ends subscriptions, closes the files.
    public func close() {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        writer?.stop()
        hub.close()
        environment.close()
        writerLock?.release()
    }

    /// Clears LMDB reader slots held by processes that died (a killed backup, say): left alone
    /// they would pin old pages and make the file grow. Returns how many were cleared. The
    /// server calls this periodically; opening a store does it too.
    @discardableResult
    public func clearStaleReaders() -> Int32 {
        environment.clearStaleReaders()
    }

    // MARK: EventLog

    @discardableResult
    public func append(_ events: [NewEvent], conditions: [StreamCondition]) async throws -> AppendResult {
        guard let writer else { throw EventStoreError(.closed, "the store is open read-only") }
        try validate(events, conditions)
        return try await writer.submit(events, conditions: conditions)
    }

    /// Appends and blocks the calling thread until the events are durable. For tools and data
    /// generators outside Swift concurrency; the writer and acknowledgement threads are the
    /// store's own, so this never waits on the cooperative pool.
    @discardableResult
    public func appendBlocking(_ events: [NewEvent], conditions: [StreamCondition] = []) throws(EventStoreError) -> AppendResult {
        guard let writer else { throw EventStoreError(.closed, "the store is open read-only") }
        try validate(events, conditions)
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<AppendResult, EventStoreError>?>(nil)
        writer.submit(events, conditions: conditions) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    public func read(from position: UInt64, limit: Int) async throws -> [RecordedEvent] {
        try records(from: position, limit: limit)
    }

    public func readStream(_ stream: String, from version: UInt64?, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try streamRecords(stream, from: version, direction: direction, limit: limit)
    }

    public func firstPosition(atOrAfter timestamp: Timestamp) async throws -> UInt64? {
        try position(atOrAfter: timestamp)
    }

    public func subscribe(from position: UInt64) -> EventSubscription {
        EventSubscription(source: hub.subscribe(from: position))
    }

    public func head() async throws -> Head {
        try currentHead()
    }

    public func verify(from: UInt64, to: UInt64?) async throws -> VerificationReport {
        try verifyLog(from: from, to: to)
    }

    // MARK: Validation

    static let maxStreamBytes = 512
    static let maxActorBytes = 512

    private func validate(_ events: [NewEvent], _ conditions: [StreamCondition]) throws(EventStoreError) {
        guard !events.isEmpty else { throw EventStoreError(.invalidEvent, "an append needs at least one event") }
        guard events.count <= configuration.maxEventsPerAppend else {
            throw EventStoreError(
                .invalidEvent, "\(events.count) events in one append; the limit is \(configuration.maxEventsPerAppend)")
        }
        for event in events {
            try Self.validate(stream: event.stream)
            guard event.actor.utf8.count <= Self.maxActorBytes else {
                throw EventStoreError(.invalidEvent, "actor longer than \(Self.maxActorBytes) bytes")
            }
            guard event.payload.count <= configuration.maxPayloadBytes else {
                throw EventStoreError(
                    .invalidEvent, "payload of \(event.payload.count) bytes; the limit is \(configuration.maxPayloadBytes)")
            }
        }
        for condition in conditions { try Self.validate(stream: condition.stream) }
    }

    static func validate(stream: String) throws(EventStoreError) {
        let bytes = stream.utf8
        guard !bytes.isEmpty, bytes.count <= maxStreamBytes, !bytes.contains(0) else {
            throw EventStoreError(.invalidEvent, "a stream id must be 1 to \(maxStreamBytes) bytes with no NUL")
        }
    }

    // MARK: Metadata

    private static let headKey = Array("head".utf8)
    private static let layoutKey = Array("layout".utf8)
    private static let storeIDKey = Array("store-id".utf8)

    /// Reads (creating on first open) the layout version, the store id and the recorded head.
    private static func openMeta(_ environment: LMDBEnvironment, readOnly: Bool) throws(EventStoreError)
        -> (String, Head)
    {
        func load(_ txn: Transaction) throws(EventStoreError) -> (UInt8?, [UInt8]?, Head) {
            let layout = try layoutKey.withBytes { (key) throws(EventStoreError) in
                try txn.get(environment.meta, key).flatMap { $0.first }
            }
            let id = try storeIDKey.withBytes { (key) throws(EventStoreError) in
                try txn.get(environment.meta, key).map { Array($0) }
            }
            return (layout, id, try readHead(txn, environment))
        }
        var (layout, id, head) = try environment.read { (txn) throws(EventStoreError) in try load(txn) }
        if layout == nil && !readOnly {
            var newID = [UInt8](repeating: 0, count: 16)
            for index in newID.indices { newID[index] = UInt8.random(in: 0...255) }
            try environment.write { (txn) throws(EventStoreError) in
                try layoutKey.withBytes { (key) throws(EventStoreError) in
                    try [layoutVersion].withBytes { (value) throws(EventStoreError) in
                        try txn.put(environment.meta, key, value)
                    }
                }
                try storeIDKey.withBytes { (key) throws(EventStoreError) in
                    try newID.withBytes { (value) throws(EventStoreError) in try txn.put(environment.meta, key, value) }
                }
            }
            (layout, id) = (layoutVersion, newID)
        }
        guard let layout, let id else {
            throw EventStoreError(.io, "this directory holds no causerie store (no layout record)")
        }
        if layout > layoutVersion {
            throw EventStoreError(
                .unsupportedFormat,
                "the store's layout version \(layout) is newer than this build reads (\(layoutVersion)); upgrade causerie")
        }
        let hex = id.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        return (hex, head)
    }

    static func readHead(_ txn: Transaction, _ environment: LMDBEnvironment) throws(EventStoreError) -> Head {
        guard let bytes = try headKey.withBytes({ (key) throws(EventStoreError) in try txn.get(environment.meta, key) })
        else { return .empty }
        guard bytes.count == 40 else { throw EventStoreError(.corrupt, "the recorded head is \(bytes.count) bytes, not 40") }
        return Head(position: bytes.bigEndianUInt64, hash: ChainHash(bytes: UnsafeRawBufferPointer(rebasing: bytes[8...])))
    }

    static func storedHead(_ environment: LMDBEnvironment) throws(EventStoreError) -> Head {
        try environment.read { (txn) throws(EventStoreError) in try readHead(txn, environment) }
    }

    static func writeHead(_ head: Head, in txn: Transaction, environment: LMDBEnvironment) throws(EventStoreError) {
        var value = [UInt8]()
        value.reserveCapacity(40)
        withUnsafeBytes(of: head.position.bigEndian) { value.append(contentsOf: $0) }
        value.append(contentsOf: head.hash.bytes)
        try headKey.withBytes { (key) throws(EventStoreError) in
            try value.withBytes { (raw) throws(EventStoreError) in try txn.put(environment.meta, key, raw) }
        }
    }

    /// Reads the events above the index watermark that are not in the index yet (after a crash
    /// or a restart) into a new backlog.
    private static func recoverIndexBacklog(_ environment: LMDBEnvironment) throws(EventStoreError)
        -> (IndexBacklog, PendingIndex)
    {
        let added = try environment.read { (txn) throws(EventStoreError) -> [(String, IndexEntry)] in
            let watermark = try readWatermark(txn, environment)
            let cursor = try txn.cursor(environment.events)
            defer { cursor.close() }
            var added: [(String, IndexEntry)] = []
            var entry = try cursor.seek(position: watermark + 1)
            while let (key, value) = entry {
                let position = key.bigEndianUInt64
                let event = try RecordCodec.decode(value, position: position, previous: nil)
                let indexed = try StreamKey.make(event.stream, version: event.streamVersion).withBytes {
                    (raw) throws(EventStoreError) in try txn.get(environment.streams, raw) != nil
                }
                if !indexed { added.append((event.stream, IndexEntry(version: event.streamVersion, position: position))) }
                entry = try cursor.move(MDB_NEXT)
            }
            return added
        }
        var backlog = IndexBacklog()
        let plan = IndexPlan(added: AddedEntries(added), flushed: [], watermark: 0)
        backlog.apply(plan)
        let pending = PendingIndex()
        pending.apply(plan)
        return (backlog, pending)
    }

    /// The last version of a stream in the index (0 when it has no indexed events).
    static func indexedLastVersion(of stream: String, in txn: Transaction, environment: LMDBEnvironment)
        throws(EventStoreError) -> UInt64
    {
        let prefix = StreamKey.prefix(stream)
        let cursor = try txn.cursor(environment.streams)
        defer { cursor.close() }
        // The first key after every key of this stream is the prefix with its 0x00 turned into 0x01.
        var after = prefix
        after[after.count - 1] = 1
        let landed = try after.withBytes { (raw) throws(EventStoreError) in try cursor.seek(raw) }
        let candidate = landed == nil ? try cursor.move(MDB_LAST) : try cursor.move(MDB_PREV)
        guard let candidate, StreamKey.hasPrefix(candidate.key, prefix) else { return 0 }
        return StreamKey.version(of: candidate.key)
    }
}
