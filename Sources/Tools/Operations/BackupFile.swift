public import EventStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The backup file format, version 1 (docs/adr/005-backup-format.md).
///
///     0      8   magic "CAUSBAK1"
///     8      4   format version (1, little-endian)
///     12     4   reserved (0)
///     16     …   body: one zstd frame; decompressed, a sequence of entries:
///                  file    = 0x01, u16 name length, name, then chunks (u32 length, bytes), u32 0
///                  records = 0x02, then groups (u32 count, count × (u64 position, u32 length, bytes)), u32 0
///                  end     = 0x00
///     M      …   manifest (JSON)
///     end-56 8   M, the manifest's offset (little-endian)
///     end-48 8   the manifest's length
///     end-40 8   magic "CAUSEND1"
///     end-32 32  SHA-256 of every byte before it
///
/// The trailing SHA-256 covers the whole file, so any damage — a flipped byte, a cut, a zeroed
/// or moved block, bytes appended — is detected before anything is restored.
enum BackupFormat {
    static let magic = Array("CAUSBAK1".utf8)
    static let endMagic = Array("CAUSEND1".utf8)
    static let version: UInt32 = 1
    static let headerSize = 16
    static let trailerSize = 56
    static let chunkSize = 1 << 20
    /// File entries named `blob-<sha256>` hold file contents (docs/files.md), whole and uncompressed.
    static let blobPrefix = "blob-"
}

/// What a backup holds, written at its end.
public struct BackupManifest: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        /// "file" (a store file) or "records" (events after `since`).
        public var kind: String
        public var name: String
        /// Bytes once decompressed (files), or records (increments).
        public var bytes: UInt64
        public var records: UInt64
    }

    public var format: Int
    /// "full" or "incremental".
    public var kind: String
    /// When it was taken (ISO 8601, UTC).
    public var created: String
    public var storeID: String
    /// The log's head in this backup.
    public var head: Head
    /// For an increment: the head of the backup it extends.
    public var since: Head?
    /// Checkpoints of the chain up to `head`: the anchor `audit verify --anchor` checks.
    public var anchor: Anchor
    public var entries: [Entry]
    public var uncompressedBytes: UInt64
    public var compressedBytes: UInt64
    /// SHA-256 of the compressed body.
    public var bodySHA256: String
}

/// Writes a backup file: to `PATH.partial`, renamed to `PATH` only once complete and synced,
/// so that an interrupted backup (even by SIGKILL) never leaves a file that verifies.
final class BackupWriter {
    let path: String
    private let partial: String
    private let handle: FileHandle
    private var fileHash = SHA256Hasher()
    private var bodyHash = SHA256Hasher()
    private var written: UInt64 = 0
    private var bodyBytes: UInt64 = 0
    private(set) var uncompressed: UInt64 = 0
    private var compressor: ZstdCompressor!
    private var pending: [UInt8] = []

    init(path: String) throws {
        self.path = path
        partial = path + ".partial"
        if FileManager.default.fileExists(atPath: path) { throw OperationError.refused("\(path) already exists") }
        try? FileManager.default.removeItem(atPath: partial)
        guard FileManager.default.createFile(atPath: partial, contents: nil),
              let handle = FileHandle(forWritingAtPath: partial)
        else { throw OperationError.io("cannot create \(partial)") }
        self.handle = handle
        var header = BackupFormat.magic
        header += withUnsafeBytes(of: BackupFormat.version.littleEndian, Array.init)
        header += [0, 0, 0, 0]
        try emit(header, body: false)
        compressor = ZstdCompressor { [unowned self] chunk in try self.emit(chunk, body: true) }
    }

    private func emit(_ bytes: [UInt8], body: Bool) throws {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw OperationError.io("cannot write \(partial): \(error.localizedDescription)")
        }
        fileHash.update(bytes)
        written += UInt64(bytes.count)
        if body {
            bodyHash.update(bytes)
            bodyBytes += UInt64(bytes.count)
        }
    }

    /// Adds bytes to the decompressed body (buffered into sizeable compressor writes).
    private func put(_ bytes: [UInt8]) throws {
        uncompressed += UInt64(bytes.count)
        pending += bytes
        if pending.count >= 1 << 16 { try flushPending() }
    }

    private func put<T: FixedWidthInteger>(_ value: T) throws {
        try put(withUnsafeBytes(of: value.littleEndian, Array.init))
    }

    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        try compressor.write(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Copies a file into the backup, in chunks; returns its size.
    func addFile(name: String, from source: String, progress: ((UInt64) -> Void)? = nil) throws -> UInt64 {
        guard let input = FileHandle(forReadingAtPath: source) else { throw OperationError.io("cannot read \(source)") }
        defer { try? input.close() }
        return try addEntry(name: name, progress: progress) { [UInt8](try input.read(upToCount: BackupFormat.chunkSize) ?? Data()) }
    }

    /// Copies a blob's content into the backup as the file entry `blob-<sha256>`; returns its size.
    func addBlob(_ hash: String, from reader: any BlobReader) throws -> UInt64 {
        var offset: UInt64 = 0
        return try addEntry(name: BackupFormat.blobPrefix + hash, progress: nil) {
            let chunk: [UInt8]
            do {
                chunk = try reader.read(at: offset, count: BackupFormat.chunkSize)
            } catch {
                throw OperationError.io("blob \(hash): \(error)")
            }
            offset += UInt64(chunk.count)
            return chunk
        }
    }

    /// A file entry whose content `next` gives chunk by chunk (empty at the end).
    private func addEntry(name: String, progress: ((UInt64) -> Void)?, next: () throws -> [UInt8]) throws -> UInt64 {
        try put(UInt8(1))
        let nameBytes = Array(name.utf8)
        try put(UInt16(nameBytes.count))
        try put(nameBytes)
        var total: UInt64 = 0
        while true {
            let chunk = try next()
            if chunk.isEmpty { break }
            try put(UInt32(chunk.count))
            try flushPending()
            uncompressed += UInt64(chunk.count)
            try compressor.write(chunk)
            total += UInt64(chunk.count)
            progress?(total)
        }
        try put(UInt32(0))
        return total
    }

    /// Adds raw records (an increment) in groups.
    func beginRecords() throws { try put(UInt8(2)) }

    func addRecords(_ records: [LMDBEventStore.RawRecord]) throws {
        guard !records.isEmpty else { return }
        try put(UInt32(records.count))
        for record in records {
            try put(record.position)
            try put(UInt32(record.bytes.count))
            try put(record.bytes)
        }
    }

    func endRecords() throws { try put(UInt32(0)) }

    /// Ends the body, writes the manifest and the trailer, syncs, and renames into place.
    func finish(_ manifest: (_ compressed: UInt64, _ uncompressed: UInt64, _ bodySHA256: String) -> BackupManifest) throws
        -> (manifest: BackupManifest, sha256: String, bytes: UInt64)
    {
        try put(UInt8(0))
        try flushPending()
        try compressor.finish()
        let final = manifest(bodyBytes, uncompressed, bodyHash.finalize())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let json = Array(try encoder.encode(final))
        let offset = written
        try emit(json, body: false)
        var trailer = withUnsafeBytes(of: offset.littleEndian, Array.init)
        trailer += withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init)
        trailer += BackupFormat.endMagic
        try emit(trailer, body: false)
        let digest = fileHash.finalizeBytes()
        do {
            try handle.write(contentsOf: digest)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw OperationError.io("cannot finish \(partial): \(error.localizedDescription)")
        }
        guard rename(partial, path) == 0 else { throw OperationError.io("cannot rename \(partial) to \(path)") }
        syncDirectory(of: path)
        return (final, digest.hex, written + 32)
    }

    /// Removes the partial file (after a failure).
    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: partial)
    }
}

/// Syncs the directory holding `path`, so that a rename survives a crash.
func syncDirectory(of path: String) {
    let directory = (path as NSString).deletingLastPathComponent
    let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
    if fd >= 0 {
        fsync(fd)
        close(fd)
    }
}
