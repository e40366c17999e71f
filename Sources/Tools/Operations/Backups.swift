public import EventStore
import Foundation
import Projections

/// Hot backups of the whole server into one file, their verification, and restores
/// (docs/operations.md). Backups read the store through LMDB read transactions, so the server
/// keeps running and writing meanwhile.
public enum Backups {
    public struct Result: Codable, Sendable {
        public var path: String
        public var kind: String
        public var head: Head
        public var since: Head?
        public var bytes: UInt64
        public var uncompressedBytes: UInt64
        public var sha256: String
        public var seconds: Double
    }

    /// A full backup: LMDB's compacting copy (a consistent snapshot), zstd-compressed.
    /// With `blobs`, every file content stored is added after the log (`blob-<sha256>` entries).
    public static func full(_ store: LMDBEventStore, blobs: (any BlobStore)? = nil, to path: String,
                            progress: ((String, Double) -> Void)? = nil) throws -> Result
    {
        let start = Date()
        let scratch = path + ".copy-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        progress?("copying", 0)
        do {
            try store.copyCompacting(toDirectory: scratch)
        } catch {
            throw OperationError.io("snapshot failed: \(error)")
        }
        // The copy's own head is the snapshot's: read it from the copy.
        let (head, anchor): (Head, Anchor) = try {
            let copy = try LMDBEventStore(.init(directory: scratch, readOnly: true), logger: .quiet)
            defer { copy.close() }
            let head = try copy.currentHead()
            return (head, try Anchor.make(copy, head: head))
        }()
        let size = (try? FileManager.default.attributesOfItem(atPath: scratch + "/data.mdb")[.size] as? UInt64) ?? 1
        let writer = try BackupWriter(path: path)
        do {
            let bytes = try writer.addFile(name: "data.mdb", from: scratch + "/data.mdb") { done in
                progress?("compressing", Double(done) / Double(max(size, 1)))
            }
            var entries: [BackupManifest.Entry] = [.init(kind: "file", name: "data.mdb", bytes: bytes, records: 0)]
            if let blobs {
                let all = blobs.all()
                for (index, hash) in all.enumerated() {
                    entries.append(try addBlob(hash, from: blobs, to: writer))
                    progress?("files", Double(index + 1) / Double(all.count))
                }
            }
            let (_, sha256, total) = try writer.finish { compressed, uncompressed, bodySHA256 in
                BackupManifest(
                    format: 1, kind: "full", created: ISO8601.now(), storeID: store.storeID, head: head, since: nil,
                    anchor: anchor, entries: entries,
                    uncompressedBytes: uncompressed, compressedBytes: compressed, bodySHA256: bodySHA256)
            }
            return Result(path: path, kind: "full", head: head, since: nil, bytes: total, uncompressedBytes: bytes,
                          sha256: sha256, seconds: Date().timeIntervalSince(start))
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// An increment: the records after the head of `previous` (a full backup or an increment).
    /// With `blobs`, the contents the increment's events name are added after its records.
    public static func incremental(_ store: LMDBEventStore, blobs: (any BlobStore)? = nil, since previous: String, to path: String,
                                   progress: ((String, Double) -> Void)? = nil) throws -> Result {
        let start = Date()
        let base = try BackupReader(path: previous).manifest
        guard base.storeID == store.storeID else {
            throw OperationError.refused("\(previous) is a backup of another store (\(base.storeID))")
        }
        guard try store.hash(at: base.head.position) == base.head.hash else {
            throw OperationError.refused("the log does not extend \(previous): its record \(base.head.position) differs")
        }
        let head = try store.currentHead()
        let writer = try BackupWriter(path: path)
        do {
            try writer.beginRecords()
            var next = base.head.position + 1
            var count: UInt64 = 0
            while next <= head.position {
                let batch = try store.rawRecords(from: next, limit: 4096).filter { $0.position <= head.position }
                guard let last = batch.last else { break }
                try writer.addRecords(batch)
                count += UInt64(batch.count)
                next = last.position + 1
                progress?("records", Double(count) / Double(max(1, head.position - base.head.position)))
            }
            try writer.endRecords()
            var entries: [BackupManifest.Entry] = [.init(kind: "records", name: "events", bytes: writer.uncompressed, records: count)]
            if let blobs, head.position > base.head.position {
                var named: [String] = []
                try store.scan(from: base.head.position + 1, through: head.position) { record in
                    named.append(contentsOf: blobsNamed(by: try Exports.decode(record).event))
                    return true
                }
                var seen = Set<String>()
                for hash in named where seen.insert(hash).inserted && blobs.contains(hash) {
                    entries.append(try addBlob(hash, from: blobs, to: writer))
                }
            }
            let anchor = try Anchor.make(store, head: head)
            let (_, sha256, total) = try writer.finish { compressed, uncompressed, bodySHA256 in
                BackupManifest(
                    format: 1, kind: "incremental", created: ISO8601.now(), storeID: store.storeID, head: head,
                    since: base.head, anchor: anchor,
                    entries: entries,
                    uncompressedBytes: uncompressed, compressedBytes: compressed, bodySHA256: bodySHA256)
            }
            return Result(path: path, kind: "incremental", head: head, since: base.head, bytes: total,
                          uncompressedBytes: writer.uncompressed, sha256: sha256, seconds: Date().timeIntervalSince(start))
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// The contents an event names.
    static func blobsNamed(by event: DomainEvent) -> [String] {
        switch event {
        case .fileUploaded(let e): [e.blob.sha256]
        case .folderShared(let e): e.entries.map(\.blob.sha256)
        default: []
        }
    }

    private static func addBlob(_ hash: String, from blobs: any BlobStore, to writer: BackupWriter) throws -> BackupManifest.Entry {
        let reader: any BlobReader
        do {
            reader = try blobs.open(hash)
        } catch {
            throw OperationError.io("blob \(hash): \(error)")
        }
        defer { reader.close() }
        let bytes = try writer.addBlob(hash, from: reader)
        return .init(kind: "blob", name: hash, bytes: bytes, records: 0)
    }

    public struct Verification: Codable, Sendable {
        public var path: String
        public var kind: String
        public var head: Head
        public var since: Head?
        public var records: UInt64
        public var storeID: String
        /// File contents in the backup, each rehashed against its name.
        public var blobs: Int
    }

    /// Checks a backup completely without restoring it: its SHA-256, its structure, and (full) the
    /// log inside — every record's chain — or (increment) the chain of its records; every file
    /// content is rehashed against its name, and (full) every file existing at the backup's head
    /// must have its content inside.
    public static func verify(_ path: String, progress: ((String, Double) -> Void)? = nil) throws -> Verification {
        let reader = try BackupReader(path: path) { progress?("checksum", $0) }
        let manifest = reader.manifest
        let scratch = NSTemporaryDirectory() + "causerie-verify-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var records: UInt64 = 0
        var hashes = Set<String>()
        switch manifest.kind {
        case "full":
            hashes = try extract(reader, into: scratch, blobs: nil, progress: progress)
            let store = try LMDBEventStore(.init(directory: scratch, readOnly: true), logger: .quiet)
            defer { store.close() }
            let report = try store.verifyLog()
            if let problem = report.problem { throw OperationError.corrupt("the log inside is damaged at \(problem)") }
            guard report.recordedHead == manifest.head, store.storeID == manifest.storeID else {
                throw OperationError.corrupt("the log inside does not match the manifest's head")
            }
            records = report.checked
            let state = try Replay(store, through: manifest.head.position).state
            if let file = state.files.byID.values.sorted(by: { $0.position < $1.position })
                .first(where: { !hashes.contains($0.blob.sha256) }) {
                throw OperationError.corrupt(
                    "the content of \(file.path) (event at position \(file.position), blob \(file.blob.sha256)) is missing")
            }
        case "incremental":
            guard let since = manifest.since else { throw OperationError.corrupt("an increment without its base") }
            var previous = since.hash
            var expected = since.position + 1
            var blobs = BlobEntries(into: nil)
            try reader.walk { item in
                switch item {
                case .fileStart(let name):
                    guard try blobs.start(name) else { throw OperationError.corrupt("an increment holding a file") }
                case .fileChunk(let bytes):
                    try blobs.append(bytes)
                case .fileEnd:
                    try blobs.end()
                case .records(let batch):
                    for record in batch {
                        guard record.position == expected else {
                            throw OperationError.corrupt("record \(expected) is missing from the increment")
                        }
                        do {
                            previous = try record.verifiedHash(following: previous)
                        } catch {
                            throw OperationError.corrupt("record \(record.position): \(error)")
                        }
                        expected += 1
                        records += 1
                    }
                }
            }
            guard expected - 1 == manifest.head.position, previous == manifest.head.hash else {
                throw OperationError.corrupt("the increment does not end at its manifest's head")
            }
            hashes = blobs.hashes
        default:
            throw OperationError.corrupt("unknown backup kind \(manifest.kind)")
        }
        return Verification(path: path, kind: manifest.kind, head: manifest.head, since: manifest.since,
                            records: records, storeID: manifest.storeID, blobs: hashes.count)
    }

    /// The `blob-<sha256>` entries of a backup as it is walked: each hashed as it comes and
    /// checked against its name at its end, and, given a store, staged into it and committed.
    struct BlobEntries {
        let store: FileBlobStore?
        private var expected: String?
        private var hasher = SHA256Hasher()
        private var staging: (any StagingFile)?
        private(set) var hashes = Set<String>()

        init(into store: FileBlobStore?) { self.store = store }

        var receiving: Bool { expected != nil }

        /// Starts the entry if it is a blob; false for any other file.
        mutating func start(_ name: String) throws -> Bool {
            guard name.hasPrefix(BackupFormat.blobPrefix) else { return false }
            let hash = String(name.dropFirst(BackupFormat.blobPrefix.count))
            guard FileBlobStore.isValidHash(hash) else { throw OperationError.corrupt("a file entry has an unsafe name") }
            expected = hash
            hasher = SHA256Hasher()
            staging = try store?.openStaging(Self.stagingID(hash))
            try staging?.truncate(to: 0)  // what an interrupted restore left there
            return true
        }

        mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
            hasher.update(bytes)
            try staging?.append(bytes)
        }

        mutating func end() throws {
            guard let hash = expected else { return }
            expected = nil
            staging?.close()
            staging = nil
            let actual = hasher.finalize()
            guard actual == hash else {
                store?.discardStaging(Self.stagingID(hash))
                throw OperationError.corrupt("file content \(hash) is altered (its bytes hash to \(actual))")
            }
            if let store {
                let type = MediaTypes.sniff(try store.stagedPrefix(Self.stagingID(hash), count: MediaTypes.sniffLength))
                _ = try store.commit(staging: Self.stagingID(hash), compress: MediaTypes.compressible(type))
            }
            hashes.insert(hash)
        }

        static func stagingID(_ hash: String) -> String { "restore-" + hash }
    }

    /// Writes a full backup's files into `directory`, and its file contents into `blobs` (nil:
    /// only checked); returns the hashes of the contents, each checked against its name.
    static func extract(_ reader: BackupReader, into directory: String, blobs: FileBlobStore?,
                        progress: ((String, Double) -> Void)?) throws -> Set<String> {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var current: FileHandle?
        var entries = BlobEntries(into: blobs)
        var written: UInt64 = 0
        let total = max(reader.manifest.uncompressedBytes, 1)
        try reader.walk { item in
            switch item {
            case .fileStart(let name):
                if try entries.start(name) { return }
                let path = directory + "/" + name
                guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
                else { throw OperationError.io("cannot create \(path)") }
                current = handle
            case .fileChunk(let bytes):
                if entries.receiving {
                    try entries.append(bytes)
                } else {
                    guard let current else { throw OperationError.corrupt("file data outside a file") }
                    try current.write(contentsOf: Data(bytes))
                }
                written += UInt64(bytes.count)
                progress?("extracting", Double(written) / Double(total))
            case .fileEnd:
                if entries.receiving { return try entries.end() }
                try current?.synchronize()
                try current?.close()
                current = nil
            case .records:
                throw OperationError.corrupt("a full backup holding records")
            }
        }
        return entries.hashes
    }

    public struct Restoration: Codable, Sendable {
        public var directory: String
        public var head: Head
        public var records: UInt64
        public var files: [String]
    }

    /// Rebuilds a data directory from a full backup and increments, in order. Refuses a
    /// directory that is not empty (a store in use, or anything else). Ends with a full chain
    /// verification: the restored head must be the last manifest's.
    public static func restore(_ paths: [String], into directory: String, progress: ((String, Double) -> Void)? = nil)
        throws -> Restoration
    {
        guard !paths.isEmpty else { throw OperationError.refused("no backup given") }
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: directory), !contents.isEmpty {
            throw OperationError.refused("\(directory) is not empty; restore into a new directory")
        }
        var readers: [BackupReader] = []
        for path in paths { readers.append(try BackupReader(path: path) { progress?("checksum \(path)", $0) }) }
        guard readers[0].manifest.kind == "full" else { throw OperationError.refused("\(paths[0]) is not a full backup") }
        for (previous, next) in zip(readers, readers.dropFirst()) {
            guard next.manifest.kind == "incremental", next.manifest.storeID == previous.manifest.storeID,
                  next.manifest.since == previous.manifest.head
            else {
                throw OperationError.refused("\(next.path) does not extend \(previous.path)")
            }
        }
        let created = !FileManager.default.fileExists(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let blobs = try FileBlobStore(directory: directory + "/blobs")
            _ = try extract(readers[0], into: directory, blobs: blobs, progress: progress)
            var imported: UInt64 = 0
            for reader in readers.dropFirst() {
                var entries = BlobEntries(into: blobs)
                try reader.walk { item in
                    switch item {
                    case .records(let batch):
                        do {
                            try LMDBEventStore.importRecords(into: directory, batch)
                        } catch {
                            throw OperationError.corrupt("\(reader.path): \(error)")
                        }
                        imported += UInt64(batch.count)
                    case .fileStart(let name):
                        guard try entries.start(name) else { throw OperationError.corrupt("an increment holding a file") }
                    case .fileChunk(let bytes):
                        try entries.append(bytes)
                    case .fileEnd:
                        try entries.end()
                    }
                }
            }
            let store = try LMDBEventStore(.init(directory: directory, readOnly: true), logger: .quiet)
            defer { store.close() }
            progress?("verifying", 0)
            let report = try store.verifyLog()
            let expected = readers[readers.count - 1].manifest.head
            guard report.isIntact, report.recordedHead == expected else {
                throw OperationError.corrupt("the restored log does not verify: \(report.problem.map(String.init(describing:)) ?? "head differs")")
            }
            return Restoration(directory: directory, head: expected, records: report.checked, files: paths)
        } catch {
            // Leave nothing half-restored behind.
            if created {
                try? FileManager.default.removeItem(atPath: directory)
            } else if let contents = try? FileManager.default.contentsOfDirectory(atPath: directory) {
                for name in contents { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
            }
            throw error
        }
    }
}
