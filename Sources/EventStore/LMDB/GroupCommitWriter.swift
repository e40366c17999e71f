import CLMDB
import Foundation
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
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    struct Limits {
        /// Appends taken into one commit at most (each append may hold several events).
        var maxBatchAppends: Int
        var compressionThreshold: Int
        var maxMapSize: Int
    }

    private let environment: LMDBEnvironment
    private let hub: SubscriptionHub
    private let limits: Limits
    private let logger: Logger
    private let queue = BatchQueue<Request>()
    private let finished = BatchQueue<Void>()

    // Writer-thread state.
    private var head: Head
    private var lastTimestamp: Timestamp
    private var versionCache: [String: UInt64] = [:]
    private static let versionCacheLimit = 100_000

    init(environment: LMDBEnvironment, hub: SubscriptionHub, head: Head, lastTimestamp: Timestamp, limits: Limits,
         logger: Logger) {
        self.environment = environment
        self.hub = hub
        self.head = head
        self.lastTimestamp = lastTimestamp
        self.limits = limits
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            _ = finished.push(())
        }
        thread.name = "causerie-log-writer"
        thread.start()
    }

    /// Stops taking appends, fails those still queued, and waits for the thread to finish the
    /// batch it is writing.
    func stop() {
        for request in queue.close() {
            request.continuation.resume(throwing: EventStoreError(.closed, "the store is closing"))
        }
        _ = finished.take(limit: 1)
    }

    func submit(_ events: [NewEvent], conditions: [StreamCondition]) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            let request = Request(events: events, conditions: conditions, continuation: continuation)
            if !queue.push(request) {
                continuation.resume(throwing: EventStoreError(.closed, "the store is closed"))
            }
        }
    }

    // MARK: The writer thread

    private func run() {
        while let batch = queue.take(limit: limits.maxBatchAppends) {
            // An append is never split across commits: it is all there or not at all.
            commit(batch)
        }
    }

    private struct Outcome {
        var results: [Result<AppendResult, EventStoreError>]
        var recorded: [RecordedEvent]
        var head: Head
        var timestamp: Timestamp
        var versions: [String: UInt64]
    }

    private func commit(_ batch: [Request]) {
        while true {
            do throws(EventStoreError) {
                let outcome = try environment.write { (txn) throws(EventStoreError) in try write(batch, in: txn) }
                head = outcome.head
                lastTimestamp = outcome.timestamp
                if versionCache.count > Self.versionCacheLimit { versionCache.removeAll(keepingCapacity: true) }
                versionCache.merge(outcome.versions) { _, new in new }
                hub.publish(outcome.recorded)
                for (request, result) in zip(batch, outcome.results) {
                    request.continuation.resume(with: result.mapError { $0 as any Error })
                }
                return
            } catch where error.code == .storageFull && environment.mapSize < limits.maxMapSize {
                let newSize = min(limits.maxMapSize, environment.mapSize * 2)
                logger.notice("log map full; growing it", metadata: [
                    "store.map_bytes": "\(environment.mapSize)", "store.new_map_bytes": "\(newSize)",
                ])
                do throws(EventStoreError) {
                    try environment.grow(to: newSize)
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
        for request in batch { request.continuation.resume(throwing: error) }
    }

    /// Writes the batch inside `txn`. Pure with respect to the writer's state: the caller adopts
    /// the outcome only if the commit succeeds.
    private func write(_ batch: [Request], in txn: Transaction) throws(EventStoreError) -> Outcome {
        var head = self.head
        let timestamp = max(Timestamp.now(), lastTimestamp)
        var versions: [String: UInt64] = [:]
        var results: [Result<AppendResult, EventStoreError>] = []
        var recorded: [RecordedEvent] = []
        results.reserveCapacity(batch.count)
        recorded.reserveCapacity(batch.count)

        func currentVersion(_ stream: String) throws(EventStoreError) -> UInt64 {
            if let version = versions[stream] ?? versionCache[stream] { return version }
            return try LMDBEventStore.lastVersion(of: stream, in: txn, environment: environment)
        }

        requests: for request in batch {
            for condition in request.conditions {
                let actual = try currentVersion(condition.stream)
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
                let version = try currentVersion(event.stream) + 1
                versions[event.stream] = version
                let position = head.position + 1
                let (stored, compressed) = storedPayload(event.payload)
                let envelope = RecordCodec.Envelope(
                    timestamp: timestamp, streamVersion: version, event: event, storedPayload: stored, compressed: compressed)
                let key = position.bigEndian
                let hash = try withBytes(of: key) { (keyBytes) throws(EventStoreError) -> ChainHash in
                    let buffer = try txn.reserve(
                        environment.events, keyBytes, size: RecordCodec.encodedSize(envelope), flags: UInt32(MDB_APPEND))
                    return RecordCodec.write(envelope, position: position, previous: head.hash, into: buffer)
                }
                let indexKey = StreamKey.make(event.stream, version: version)
                try indexKey.withBytes { (indexBytes) throws(EventStoreError) in
                    try withBytes(of: key) { (value) throws(EventStoreError) in
                        try txn.put(environment.streams, indexBytes, value)
                    }
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
        try LMDBEventStore.writeHead(head, in: txn, environment: environment)
        return Outcome(results: results, recorded: recorded, head: head, timestamp: timestamp, versions: versions)
    }

    private func storedPayload(_ payload: [UInt8]) -> ([UInt8], Bool) {
        guard payload.count >= limits.compressionThreshold, let packed = Zstd.compress(payload),
              packed.count < payload.count - payload.count / 16
        else { return (payload, false) }
        return (packed, true)
    }
}
