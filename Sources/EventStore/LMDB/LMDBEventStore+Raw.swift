import CLMDB
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Records as bytes: for backups (copies and increments), restores and anchors. These keep each
/// record exactly as written — its position, its time, its hash — rather than appending anew.
extension LMDBEventStore {
    /// A record as stored: its position and its bytes (hash included).
    public struct RawRecord: Sendable, Hashable {
        public var position: UInt64
        public var bytes: [UInt8]

        public init(position: UInt64, bytes: [UInt8]) {
            self.position = position
            self.bytes = bytes
        }
    }

    /// Writes a compacted copy of the whole store (a consistent snapshot) into the directory
    /// `destination` as `data.mdb`. The store stays usable meanwhile, by this and other processes.
    public func copyCompacting(toDirectory destination: String) throws(EventStoreError) {
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw EventStoreError(.io, "cannot create \(destination): \(error.localizedDescription)")
        }
        let path = destination + "/data.mdb"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw EventStoreError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        try environment.copyCompacting(to: fd)
        guard fsync(fd) == 0 else {
            throw EventStoreError(.diskFull, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Up to `limit` records from `from` on, as bytes.
    public func rawRecords(from: UInt64, limit: Int) throws(EventStoreError) -> [RawRecord] {
        try environment.read { (txn) throws(EventStoreError) in
            let cursor = try txn.cursor(environment.events)
            defer { cursor.close() }
            var result: [RawRecord] = []
            var entry = try cursor.seek(position: max(1, from))
            while let (key, value) = entry, result.count < limit {
                result.append(RawRecord(position: key.bigEndianUInt64, bytes: Array(value)))
                entry = try cursor.move(MDB_NEXT)
            }
            return result
        }
    }

    /// The stored hash of the record at `position` (nil if there is none): anchors are made of these.
    public func hash(at position: UInt64) throws(EventStoreError) -> ChainHash? {
        if position == 0 { return .genesis }
        return try environment.read { (txn) throws(EventStoreError) in
            guard let bytes = try txn.get(environment.events, position: position) else { return nil }
            return try RecordCodec.storedHash(bytes, position: position)
        }
    }

    /// Appends records exactly as they were written elsewhere (an incremental backup being
    /// restored) to the closed store in `directory`: each must be the next position and must
    /// hash onto the current head. The stream index and head are updated in the same
    /// transaction. Static, on a closed store, so that no writer's in-memory head goes stale.
    public static func importRecords(into directory: String, _ records: [RawRecord]) throws(EventStoreError) {
        guard !records.isEmpty else { return }
        let lock = try WriterLock(directory: directory)
        defer { lock.release() }
        let environment = try LMDBEnvironment(directory: directory, readOnly: false, mapSize: 1 << 30, maxReaders: 126)
        defer { environment.close() }
        var mapSize = environment.mapSize
        while true {
            do throws(EventStoreError) {
                try importBatch(records, environment)
                return
            } catch where error.code == .storageFull && mapSize < 1 << 40 {
                mapSize *= 2
                try environment.grow(to: mapSize)
            }
        }
    }

    private static func importBatch(_ records: [RawRecord], _ environment: LMDBEnvironment) throws(EventStoreError) {
        try environment.write { (txn) throws(EventStoreError) in
            var head = try readHead(txn, environment)
            var watermark = try readWatermark(txn, environment)
            for record in records {
                guard record.position == head.position + 1 else {
                    throw EventStoreError(
                        .corrupt, position: record.position,
                        "expected position \(head.position + 1) next; an increment must follow the backup it extends")
                }
                let previous = head.hash
                let event = try record.bytes.withBytes { (raw) throws(EventStoreError) in
                    try RecordCodec.decode(raw, position: record.position, previous: previous)
                }
                try withBytes(of: record.position.bigEndian) { (key) throws(EventStoreError) in
                    try record.bytes.withBytes { (value) throws(EventStoreError) in
                        try txn.put(environment.events, key, value, flags: UInt32(MDB_APPEND))
                    }
                }
                try writeIndex(
                    [(event.stream, [IndexEntry(version: event.streamVersion, position: record.position)])],
                    in: txn, environment: environment)
                head = Head(position: record.position, hash: event.hash)
                if watermark == head.position - 1 { watermark = head.position }
            }
            try writeHead(head, in: txn, environment: environment)
            try writeWatermark(watermark, in: txn, environment: environment)
        }
    }
}

extension LMDBEventStore.RawRecord {
    /// Checks the record decodes and extends `previous` in the chain; returns its hash.
    public func verifiedHash(following previous: ChainHash) throws(EventStoreError) -> ChainHash {
        let position = self.position
        return try bytes.withBytes { (raw) throws(EventStoreError) in
            try RecordCodec.decode(raw, position: position, previous: previous).hash
        }
    }
}
