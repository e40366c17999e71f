import CLMDB
import Foundation
import Synchronization
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's single writer: a dedicated thread that takes every append waiting, writes them in
/// one LMDB transaction, commits (fsync), and only then answers each caller.
///
/// While one commit is being flushed, new appends queue up and go together in the next one, so
/// the number of fsyncs grows with time, not with callers (group commit).
///
/// Invariants that make this `@unchecked Sendable`: `head`, `lastTimestamp` and `versionCache`
/// are read and written only on the writer thread (after `start`); everything else is immutable
/// or synchronised (`queue`, `hub`, the environment).
final class GroupCommitWriter: @unchecked Sendable {
    struct Request {
        var events: [NewEvent]
        var conditions: [StreamCondition]
        /// Called once, from the acknowledgement thread, after the commit (or the failure).
        var completion: @Sendable (Result<AppendResult, EventStoreError>) -> Void
    }

    struct Limits {
        /// Appends taken into one commit at most (each append may hold several events).
        var maxBatchAppends: Int
        var compressionThreshold: Int
        var maxMapSize: Int
    }

    private let environment: LMDBEnvironment
    private let hub: SubscriptionHub
    private let pending: PendingIndex
    private let limits: Limits
    private let logger: Logger
    private let clock: @Sendable () -> Timestamp
    private let counters = Mutex(WriterStatistics())
    private let queue = BatchQueue<Request>()
    /// Committed batches waiting for their callers to be answered, in commit order.
    private let completions = BatchQueue<Completion>()
    private let finished = BatchQueue<Void>()

    /// A committed batch: the callers to answer and the events to publish.
    private struct Completion {
        var requests: [Request]
        var results: [Result<AppendResult, EventStoreError>]
        var recorded: [RecordedEvent]
    }

    // Writer-thread state.
    private var head: Head
    private var lastTimestamp: Timestamp
    private var versionCache: [String: UInt64] = [:]
    private var backlog: IndexBacklog
    private static let versionCacheLimit = 100_000

    init(environment: LMDBEnvironment, hub: SubscriptionHub, pending: PendingIndex, backlog: IndexBacklog, head: Head,
         lastTimestamp: Timestamp, limits: Limits, clock: @escaping @Sendable () -> Timestamp, logger: Logger) {
        self.clock = clock
        self.pending = pending
        self.backlog = backlog
        self.environment = environment
        self.hub = hub
        self.head = head
        self.lastTimestamp = lastTimestamp
        self.limits = limits
        self.logger = logger
    }

    /// Starts the writer thread, and the thread that answers callers once their batch is
    /// committed: answering a thousand callers takes time the writer spends on the next commit.
    func start() {
        let writer = Thread { [self] in
            run()
            completions.close()
        }
        writer.name = "causerie-log-writer"
        let completer = Thread { [self] in
            while let done = completions.take(limit: 64) {
                for completion in done { complete(completion) }
            }
            _ = finished.push(())
        }
        completer.name = "causerie-log-acks"
        completer.start()
        writer.start()
    }

    private func complete(_ completion: Completion) {
        hub.publish(completion.recorded)
        for (request, result) in zip(completion.requests, completion.results) {
            request.completion(result)
        }
    }

    /// Stops taking appends, fails those still queued, and waits for the thread to finish the
    /// batch it is writing.
    func stop() {
        for request in queue.closeAndDrain() {
            request.completion(.failure(EventStoreError(.closed, "the store is closing")))
        }
        _ = finished.take(limit: 1)
    }

    var statistics: WriterStatistics { counters.withLock { $0 } }

    func submit(_ events: [NewEvent], conditions: [StreamCondition]) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            submit(events, conditions: conditions) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// Queues an append; `completion` is called once it is committed or has failed.
    func submit(_ events: [NewEvent], conditions: [StreamCondition],
                completion: @escaping @Sendable (Result<AppendResult, EventStoreError>) -> Void) {
        let request = Request(events: events, conditions: conditions, completion: completion)
        if !queue.push(request) {
            completion(.failure(EventStoreError(.closed, "the store is closed")))
        }
    }

    // MARK: The writer thread

    private func run() {
        // When the log goes quiet for a moment, the index backlog is written out.
        while let batch = queue.take(limit: limits.maxBatchAppends, timeout: backlog.isEmpty ? nil : 0.05) {
            if batch.isEmpty {
                flushIndex()
            } else {
                // An append is never split across commits: it is all there or not at all.
                commit(batch)
            }
        }
        flushIndex()
    }

    /// Writes every pending index entry in a transaction of its own (growing the map if it is
    /// full, as a commit of events does).
    private func flushIndex() {
        guard !backlog.isEmpty else { return }
        let plan = backlog.plan(adding: AddedEntries(), head: head.position, flushAll: true)
        while true {
            do throws(EventStoreError) {
                try environment.write { (txn) throws(EventStoreError) in
                    try LMDBEventStore.writeIndex(backlog.entriesToWrite(plan), in: txn, environment: environment)
                    try LMDBEventStore.writeWatermark(plan.watermark, in: txn, environment: environment)
                }
                backlog.apply(plan)
                pending.apply(plan)
                return
            } catch where error.code == .storageFull && environment.mapSize < limits.maxMapSize {
                do throws(EventStoreError) {
                    try growMap()
                } catch {
                    logger.warning("could not grow the log map for the stream index; will retry", metadata: ["error": "\(error)"])
                    return
                }
            } catch {
                logger.warning("could not write the stream index backlog; will retry", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Doubles the map (up to its maximum) after a transaction found it full.
    private func growMap() throws(EventStoreError) {
        let newSize = min(limits.maxMapSize, environment.mapSize * 2)
        logger.notice("log map full; growing it", metadata: [
            "store.map_bytes": "\(environment.mapSize)", "store.new_map_bytes": "\(newSize)",
        ])
        try environment.grow(to: newSize)
    }

    private struct Outcome {
        var results: [Result<AppendResult, EventStoreError>]
        var recorded: [RecordedEvent]
        var head: Head
        var timestamp: Timestamp
        var index: IndexPlan
    }

    private func commit(_ batch: [Request]) {
        while true {
            do throws(EventStoreError) {
                let outcome = try environment.write { (txn) throws(EventStoreError) in try write(batch, in: txn) }
                head = outcome.head
                lastTimestamp = outcome.timestamp
                if versionCache.count > Self.versionCacheLimit { versionCache.removeAll(keepingCapacity: true) }
                for (stream, entries) in outcome.index.added.byStream { versionCache[stream] = entries.last?.version }
                backlog.apply(outcome.index)
                pending.apply(outcome.index)
                counters.withLock { counters in
                    counters.commits += 1
                    counters.appends += UInt64(batch.count)
                    counters.events += UInt64(outcome.recorded.count)
                }
                _ = completions.push(Completion(requests: batch, results: outcome.results, recorded: outcome.recorded))
                return
            } catch where error.code == .storageFull && environment.mapSize < limits.maxMapSize {
                do throws(EventStoreError) {
                    try growMap()
                } catch {
                    fail(batch, error)
                    return
                }
            } catch {
                if error.code == .storageFull {
                    fail(batch, EventStoreError(
                        .storageFull, "the log reached its maximum size of \(limits.maxMapSize) bytes; nothing was written"))
                } else {
                    logger.error("log commit failed; nothing was written", metadata: ["error": "\(error)"])
                    fail(batch, error)
                }
                return
            }
        }
    }

    private func fail(_ batch: [Request], _ error: EventStoreError) {
        let results = [Result<AppendResult, EventStoreError>](repeating: .failure(error), count: batch.count)
        _ = completions.push(Completion(requests: batch, results: results, recorded: []))
    }

    /// Writes the batch inside `txn`. Pure with respect to the writer's state: the caller adopts
    /// the outcome only if the commit succeeds.
    private func write(_ batch: [Request], in txn: Transaction) throws(EventStoreError) -> Outcome {
        var head = self.head
        let timestamp = max(clock(), lastTimestamp)
        var results: [Result<AppendResult, EventStoreError>] = []
        var recorded: [RecordedEvent] = []
        // This batch's index entries, by stream: also each stream's latest version in the batch.
        var added = AddedEntries()
        results.reserveCapacity(batch.count)
        recorded.reserveCapacity(batch.count)

        func committedVersion(_ stream: String) throws(EventStoreError) -> UInt64 {
            if let version = versionCache[stream] ?? backlog.lastVersion(of: stream) { return version }
            return try LMDBEventStore.indexedLastVersion(of: stream, in: txn, environment: environment)
        }

        requests: for request in batch {
            for condition in request.conditions {
                let actual: UInt64
                if let version = added.lastVersion(of: condition.stream) {
                    actual = version
                } else {
                    actual = try committedVersion(condition.stream)
                }
                let holds = switch condition.expected {
                case .any: true
                case .noStream: actual == 0
                case .exactly(let expected): actual == expected
                }
                if !holds {
                    results.append(.failure(EventStoreError(
                        .wrongExpectedVersion,
                        "stream '\(condition.stream)' is at version \(actual), expected \(condition.expected)")))
                    continue requests
                }
            }
            let first = head.position + 1
            for event in request.events {
                let position = head.position + 1
                let version = try added.appendNext(event.stream, at: position) { () throws(EventStoreError) in
                    try committedVersion(event.stream)
                }
                let (stored, compressed) = storedPayload(event.payload)
                let envelope = RecordCodec.Envelope(
                    timestamp: timestamp, streamVersion: version, event: event, storedPayload: stored, compressed: compressed)
                let key = position.bigEndian
                let hash = try withBytes(of: key) { (keyBytes) throws(EventStoreError) -> ChainHash in
                    let buffer = try txn.reserve(
                        environment.events, keyBytes, size: RecordCodec.encodedSize(envelope), flags: UInt32(MDB_APPEND))
                    return RecordCodec.write(envelope, position: position, previous: head.hash, into: buffer)
                }
                head = Head(position: position, hash: hash)
                recorded.append(RecordedEvent(
                    position: position, timestamp: timestamp, stream: event.stream, streamVersion: version,
                    type: event.type, schemaVersion: event.schemaVersion, actor: event.actor,
                    correlationID: event.correlationID, causationID: event.causationID, payload: event.payload,
                    hash: hash))
            }
            results.append(.success(AppendResult(firstPosition: first, lastPosition: head.position, timestamp: timestamp)))
        }
        let index = backlog.plan(adding: added, head: head.position, flushAll: false)
        try LMDBEventStore.writeIndex(backlog.entriesToWrite(index), in: txn, environment: environment)
        try LMDBEventStore.writeWatermark(index.watermark, in: txn, environment: environment)
        try LMDBEventStore.writeHead(head, in: txn, environment: environment)
        return Outcome(results: results, recorded: recorded, head: head, timestamp: timestamp, index: index)
    }

    private func storedPayload(_ payload: [UInt8]) -> ([UInt8], Bool) {
        guard payload.count >= limits.compressionThreshold, let packed = Zstd.compress(payload),
              packed.count < payload.count - payload.count / 16
        else { return (payload, false) }
        return (packed, true)
    }
}

/// Counters of the writer since the store was opened.
public struct WriterStatistics: Sendable, Hashable {
    /// LMDB write transactions committed (each one fsync).
    public var commits: UInt64 = 0
    /// Appends acknowledged (each one caller).
    public var appends: UInt64 = 0
    /// Events written.
    public var events: UInt64 = 0

    public init() {}
}
