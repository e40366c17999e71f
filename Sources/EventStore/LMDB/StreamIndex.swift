import CLMDB
import Synchronization

/// One entry of the stream index: the event with this version of the stream is at this position.
struct IndexEntry: Sendable, Hashable {
    var version: UInt64
    var position: UInt64
}

// The stream index is written behind the log (docs/adr/002-deferred-stream-index.md).
//
// Writing every event's index entry in its own commit dirties one B-tree page per stream touched:
// with a hundred busy rooms that is a hundred pages copied and fsynced per commit, more than the
// events themselves. So the writer keeps recent entries in memory (the backlog) and writes a
// stream's entries only when it has enough of them, when they are old enough, or when the log is
// idle. The meta key `indexed` holds the watermark: every event at or below it is in the index.
// Readers merge the index with the entries above the watermark: from memory in the writer's
// process, by scanning the log tail in any other process.

/// The backlog as readers in the writer's process see it: index entries committed to the log
/// but not yet to the index, per stream, in version order.
final class PendingIndex: Sendable {
    private let state = Mutex([String: [IndexEntry]]())

    /// The stream's pending entries. Take this before opening the read transaction that reads the
    /// index: an entry leaves this map only after the commit that put it in the index.
    func snapshot(_ stream: String) -> [IndexEntry] {
        state.withLock { $0[stream] ?? [] }
    }

    /// After a commit: adds its entries, then drops the streams whose entries it indexed.
    func apply(_ plan: IndexPlan) {
        state.withLock { pending in
            for stream in plan.added.streams where !plan.flushed.contains(stream) {
                pending[stream, default: []].append(contentsOf: plan.added.byStream[stream] ?? [])
            }
            for stream in plan.flushed { pending.removeValue(forKey: stream) }
        }
    }
}

/// Index entries grouped by stream, the streams in the order of their first entry (so positions
/// ascend along `streams`). Grouping once, as events are written, keeps the commit's bookkeeping
/// per stream rather than per event: a stream id is hashed once per event, not ten times
/// (docs/benchmarks.md, append).
struct AddedEntries {
    private(set) var byStream: [String: [IndexEntry]] = [:]
    private(set) var streams: [String] = []

    init() {}

    init(_ entries: [(String, IndexEntry)]) {
        for (stream, entry) in entries { append(stream, entry) }
    }

    func lastVersion(of stream: String) -> UInt64? { byStream[stream]?.last?.version }

    mutating func append(_ stream: String, _ entry: IndexEntry) {
        if let index = byStream.index(forKey: stream) {
            byStream.values[index].append(entry)
        } else {
            byStream[stream] = [entry]
            streams.append(stream)
        }
    }

    /// Adds the stream's next event at `position` and returns its version: one more than the
    /// last added here, or than `current()` for a stream new in this batch.
    mutating func appendNext(_ stream: String, at position: UInt64, current: () throws(EventStoreError) -> UInt64)
        throws(EventStoreError) -> UInt64
    {
        if let index = byStream.index(forKey: stream) {
            let version = byStream.values[index][byStream.values[index].count - 1].version + 1
            byStream.values[index].append(IndexEntry(version: version, position: position))
            return version
        }
        let version = try current() + 1
        byStream[stream] = [IndexEntry(version: version, position: position)]
        streams.append(stream)
        return version
    }
}

/// What one commit does to the index: the entries it adds to the log, the streams whose entries
/// (old and new) it writes to the index, and the watermark after it.
struct IndexPlan {
    var added = AddedEntries()
    var flushed: Set<String> = []
    var watermark: UInt64 = 0
}

/// The writer thread's own record of the backlog.
struct IndexBacklog {
    /// Flush a stream once this many events have been appended after its oldest pending entry.
    var lag: UInt64 = 8192
    /// Flush a stream once it has this many pending entries (a busy stream's entries sit together).
    var hotCount = 256
    /// Streams flushed per commit at most (bounds the pages one commit adds).
    var streamsPerCommit = 16

    private(set) var entries: [String: [IndexEntry]] = [:]
    /// Streams in the order their oldest pending entry was appended; stale pairs are skipped.
    private var order: [(stream: String, first: UInt64)] = []
    private var orderStart = 0

    var isEmpty: Bool { entries.isEmpty }

    func lastVersion(of stream: String) -> UInt64? { entries[stream]?.last?.version }

    /// Decides which streams to write to the index in a commit that adds `added`, ending at `head`.
    func plan(adding added: AddedEntries, head: UInt64, flushAll: Bool) -> IndexPlan {
        var plan = IndexPlan(added: added)
        if flushAll {
            plan.flushed = Set(entries.keys).union(added.streams)
            plan.watermark = head
            return plan
        }
        for stream in added.streams where (entries[stream]?.count ?? 0) + (added.byStream[stream]?.count ?? 0) >= hotCount {
            plan.flushed.insert(stream)
        }
        var index = orderStart
        var chosen = 0
        var watermark: UInt64?
        while index < order.count {
            let (stream, first) = order[index]
            index += 1
            guard entries[stream]?.first?.position == first, !plan.flushed.contains(stream) else { continue }
            if chosen < streamsPerCommit && first + lag <= head {
                plan.flushed.insert(stream)
                chosen += 1
                continue
            }
            watermark = first - 1
            break
        }
        if watermark == nil {
            // Streams new in this commit and left pending hold the watermark below themselves.
            let firstNew = added.streams.first { entries[$0] == nil && !plan.flushed.contains($0) }
            watermark = firstNew.flatMap { added.byStream[$0]?.first }.map { $0.position - 1 }
        }
        plan.watermark = watermark ?? head
        return plan
    }

    /// Adopts a plan once its commit succeeded.
    mutating func apply(_ plan: IndexPlan) {
        for stream in plan.added.streams where !plan.flushed.contains(stream) {
            let list = plan.added.byStream[stream] ?? []
            if let index = entries.index(forKey: stream) {
                entries.values[index].append(contentsOf: list)
            } else if let first = list.first {
                order.append((stream, first.position))
                entries[stream] = list
            }
        }
        for stream in plan.flushed { entries.removeValue(forKey: stream) }
        while orderStart < order.count, entries[order[orderStart].stream]?.first?.position != order[orderStart].first {
            orderStart += 1
        }
        if orderStart > 4096 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    /// Entries to write for the plan's flushed streams, in key order.
    func entriesToWrite(_ plan: IndexPlan) -> [(String, [IndexEntry])] {
        plan.flushed.sorted().map { stream in
            (stream, (entries[stream] ?? []) + (plan.added.byStream[stream] ?? []))
        }
    }
}

extension LMDBEventStore {
    static let indexedKey = Array("indexed".utf8)

    /// The index watermark: every event at or below it has its stream-index entry.
    static func readWatermark(_ txn: Transaction, _ environment: LMDBEnvironment) throws(EventStoreError) -> UInt64 {
        guard let bytes = try indexedKey.withBytes({ (key) throws(EventStoreError) in try txn.get(environment.meta, key) })
        else { return 0 }
        return bytes.count == 8 ? bytes.bigEndianUInt64 : 0
    }

    static func writeWatermark(_ watermark: UInt64, in txn: Transaction, environment: LMDBEnvironment)
        throws(EventStoreError)
    {
        try indexedKey.withBytes { (key) throws(EventStoreError) in
            try withBytes(of: watermark.bigEndian) { (value) throws(EventStoreError) in
                try txn.put(environment.meta, key, value)
            }
        }
    }

    /// Writes index entries (each stream's in version order).
    static func writeIndex(_ entries: [(String, [IndexEntry])], in txn: Transaction, environment: LMDBEnvironment)
        throws(EventStoreError)
    {
        var key: [UInt8] = []
        for (stream, list) in entries {
            for entry in list {
                StreamKey.fill(&key, stream, version: entry.version)
                try key.withBytes { (keyBytes) throws(EventStoreError) in
                    try withBytes(of: entry.position.bigEndian) { (value) throws(EventStoreError) in
                        try txn.put(environment.streams, keyBytes, value)
                    }
                }
            }
        }
    }

    /// The entries of `stream` above the watermark, read from the log (for processes without the
    /// writer's backlog in memory).
    static func scanTail(of stream: String, in txn: Transaction, environment: LMDBEnvironment)
        throws(EventStoreError) -> [IndexEntry]
    {
        let watermark = try readWatermark(txn, environment)
        let head = try readHead(txn, environment).position
        guard head > watermark else { return [] }
        let cursor = try txn.cursor(environment.events)
        defer { cursor.close() }
        var result: [IndexEntry] = []
        var entry = try cursor.seek(position: watermark + 1)
        let target = Array(stream.utf8)
        while let (key, value) = entry {
            let position = key.bigEndianUInt64
            if let version = try RecordCodec.version(value, ifStreamIs: target, position: position) {
                result.append(IndexEntry(version: version, position: position))
            }
            entry = try cursor.move(MDB_NEXT)
        }
        return result
    }

    /// The index entries of `stream` merged with its pending ones: `limit` entries from `version`
    /// in `direction`. Pending entries may repeat indexed ones (flushed meanwhile); each version
    /// is taken once, so the result is contiguous.
    static func streamEntries(
        _ stream: String, pending: [IndexEntry], from version: UInt64?, direction: ReadDirection, limit: Int,
        in txn: Transaction, environment: LMDBEnvironment
    ) throws(EventStoreError) -> [IndexEntry] {
        let prefix = StreamKey.prefix(stream)
        let cursor = try txn.cursor(environment.streams)
        defer { cursor.close() }
        var result: [IndexEntry] = []
        switch direction {
        case .forward:
            let start = version ?? 1
            var entry = try StreamKey.make(stream, version: start).withBytes { (raw) throws(EventStoreError) in
                try cursor.seek(raw)
            }
            var last: UInt64 = start == 0 ? 0 : start - 1
            while let (key, value) = entry, StreamKey.hasPrefix(key, prefix), result.count < limit {
                last = StreamKey.version(of: key)
                result.append(IndexEntry(version: last, position: value.bigEndianUInt64))
                entry = try cursor.move(MDB_NEXT)
            }
            for item in pending where item.version > last && result.count < limit {
                result.append(item)
                last = item.version
            }
        case .backward:
            let start = version ?? .max
            var next = start
            for item in pending.reversed() where item.version <= next && result.count < limit {
                result.append(item)
                next = item.version - 1
            }
            guard result.count < limit, next > 0 else { return result }
            let key = StreamKey.make(stream, version: next)
            let landed = try key.withBytes { (raw) throws(EventStoreError) in try cursor.seek(raw) }
            var entry: Cursor.Entry?
            if let landed, landed.key.elementsEqual(key) {
                entry = landed
            } else {
                entry = landed == nil ? try cursor.move(MDB_LAST) : try cursor.move(MDB_PREV)
            }
            while let (key, value) = entry, StreamKey.hasPrefix(key, prefix), result.count < limit {
                result.append(IndexEntry(version: StreamKey.version(of: key), position: value.bigEndianUInt64))
                entry = try cursor.move(MDB_PREV)
            }
        }
        return result
    }
}
