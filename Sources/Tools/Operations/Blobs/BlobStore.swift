/// Where file contents live, named by their SHA-256: the files' counterpart of `EventLog`.
/// Everything above it (uploads, downloads, WebDAV, FTP, backups, the collector) uses only this
/// protocol, so that a site running several gateways can put blobs on shared storage.
///
/// The contract that keeps "no event names a missing blob": `commit` returns only once the
/// content is durable under its hash; the event naming it is appended after.
public protocol BlobStore: Sendable {
    /// Starts (or, if it exists, reopens) an upload's staging area under `id`.
    func openStaging(_ id: String) throws(BlobStoreError) -> any StagingFile
    /// Bytes received so far for a staged upload, nil if there is none.
    func stagedSize(_ id: String) -> UInt64?
    /// The first bytes of a staged upload (to sniff its type).
    func stagedPrefix(_ id: String, count: Int) throws(BlobStoreError) -> [UInt8]
    func discardStaging(_ id: String)
    /// Staged uploads and when each last changed (µs), for cleaning up abandoned ones.
    func staging() -> [(id: String, modified: Int64)]
    /// The hash and size of a staged upload's bytes, which stay staged (a folder's part, stored
    /// with the rest of its folder).
    func stagedHash(_ id: String) throws(BlobStoreError) -> (sha256: String, size: UInt64)
    /// Hashes the staged bytes of each upload, makes them durable under their hash (stored once,
    /// however many files name them; compressed if asked and worth it), and removes the staging
    /// areas — a whole batch (a shared folder) for the price of about two syncs.
    func commit(_ batch: [StagedBlob]) throws(BlobStoreError) -> [StoredBlob]
    func contains(_ sha256: String) -> Bool
    /// Reads a blob's content (decompressed) from `offset`.
    func open(_ sha256: String) throws(BlobStoreError) -> any BlobReader
    func remove(_ sha256: String) throws(BlobStoreError)
    /// When the blob was stored or last found again by a `commit` of the same content (µs).
    func modified(_ sha256: String) -> Int64?
    /// Removes the blob only if no `commit` found it since `cutoff` (µs); whether it went.
    /// `commit` and this exclude each other, so content uploaded again is never removed under it.
    func remove(_ sha256: String, ifUntouchedSince cutoff: Int64) throws(BlobStoreError) -> Bool
    /// Every blob stored (hashes).
    func all() -> [String]
    /// Bytes used on disk by blobs (compressed sizes).
    func diskUsage() -> UInt64
}

/// A blob as stored.
extension BlobStore {
    public func commit(staging id: String, compress: Bool) throws(BlobStoreError) -> StoredBlob {
        try commit([StagedBlob(id: id, compress: compress)])[0]
    }
}

/// An upload's staged bytes, to be committed.
public struct StagedBlob: Hashable, Sendable {
    public var id: String
    public var compress: Bool

    public init(id: String, compress: Bool) {
        self.id = id
        self.compress = compress
    }
}

public struct StoredBlob: Hashable, Sendable {
    public var sha256: String
    /// The content's size (before compression).
    public var size: UInt64
    /// Whether identical content was already stored.
    public var deduplicated: Bool
}

/// An upload being received: bytes are appended in order.
public protocol StagingFile: AnyObject {
    var size: UInt64 { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws(BlobStoreError)
    /// Cuts the staged bytes back (a request that sent more than it announced).
    func truncate(to size: UInt64) throws(BlobStoreError)
    /// Makes what was appended durable (before answering a client its new offset).
    func sync() throws(BlobStoreError)
    func close()
}

/// Sequential reads of a blob's content.
public protocol BlobReader: AnyObject {
    var size: UInt64 { get }
    /// Up to `count` bytes from `offset` (fewer only at the end).
    func read(at offset: UInt64, count: Int) throws(BlobStoreError) -> [UInt8]
    /// The same into `buffer` (up to its size): how many bytes it got. Downloads read straight
    /// into the buffers they send.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(BlobStoreError) -> Int
    func close()
}

public enum BlobStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The disk (or the filesystem's quota) is full: nothing half-written is kept.
    case diskFull
    case notFound(String)
    case corrupt(String)
    case io(String)

    public var description: String {
        switch self {
        case .diskFull: "the disk is full"
        case .notFound(let what): "not found: \(what)"
        case .corrupt(let what): "damaged: \(what)"
        case .io(let what): "i/o: \(what)"
        }
    }
}

extension BlobReader {
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(BlobStoreError) -> Int {
        let bytes = try read(at: offset, count: buffer.count)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return bytes.count
    }
}
