import Foundation
import Operations
import Projections
import Synchronization

/// The uploads being received (tus 1.0, docs/files.md): what each one is for, kept beside its
/// staged bytes in `<data>/uploads/<id>.json`, so that an upload continues after a restart of
/// the server as after a dropped connection. The bytes themselves are the blob store's.
final class UploadRegistry: Sendable {
    /// What an upload will become once all its bytes are in.
    struct Upload: Codable, Sendable {
        var id: String
        var owner: String
        var length: UInt64
        /// `personal`, `public` or `room:<id>` (FileArea's parameter form).
        var area: String
        var folder: String
        var name: String
        /// A part of a folder being shared: completed, it waits for the folder's POST.
        var part: Bool
        /// The file it will make (minted when the upload is created).
        var file: String
        var overwrite: Bool
        /// Microseconds since the epoch.
        var created: Int64
        /// Set once the bytes are in the blob store.
        var blob: String?
        var mediaType: String?
        var position: UInt64?
    }

    /// An upload left untouched this long is removed with its bytes (tus "expiration").
    static let lifetime: Int64 = 24 * 3_600_000_000
    /// Unfinished uploads one user may have at once (a folder of many files is many uploads).
    static let maxPerUser = 20_000

    let directory: String
    let blobs: any BlobStore
    private let uploads: Mutex<[String: Upload]>
    /// Uploads a request is writing to right now: a second PATCH at once is refused.
    private let busy = Mutex<Set<String>>([])

    init(directory: String, blobs: any BlobStore) throws {
        self.directory = directory
        self.blobs = blobs
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var found: [String: Upload] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
                  let upload = try? JSONDecoder().decode(Upload.self, from: data) else { continue }
            found[upload.id] = upload
        }
        uploads = Mutex(found)
    }

    subscript(id: String) -> Upload? { uploads.withLock { $0[id] } }

    func count(of owner: UserID) -> Int {
        uploads.withLock { $0.values.count { $0.owner == owner.rawValue && $0.blob == nil } }
    }

    /// Content of completed uploads still waiting to be named (a folder being shared).
    func completedBlobs() -> Set<String> {
        uploads.withLock { Set($0.values.compactMap { $0.part && $0.position == nil ? $0.blob : nil }) }
    }

    /// Bytes announced by the owner's unfinished uploads.
    func pending(of owner: UserID) -> UInt64 {
        uploads.withLock { $0.values.reduce(0) { $1.owner == owner.rawValue && $1.blob == nil ? $0 &+ $1.length : $0 } }
    }

    func save(_ upload: Upload) throws {
        let data = try JSONEncoder().encode(upload)
        let path = "\(directory)/\(upload.id).json"
        try data.write(to: URL(fileURLWithPath: path + ".tmp"), options: .atomic)
        guard rename(path + ".tmp", path) == 0 else { throw BlobStoreError.io("rename \(path)") }
        uploads.withLock { $0[upload.id] = upload }
    }

    func remove(_ id: String) {
        uploads.withLock { _ = $0.removeValue(forKey: id) }
        unlink("\(directory)/\(id).json")
        blobs.discardStaging(id)
    }

    /// Claims the upload for one request; false if another is writing to it.
    func begin(_ id: String) -> Bool { busy.withLock { $0.insert(id).inserted } }
    func end(_ id: String) { busy.withLock { _ = $0.remove(id) } }

    /// Removes uploads untouched for `lifetime` (and staged bytes no upload claims), and
    /// returns how many went.
    @discardableResult
    func sweep(now: Int64) -> Int {
        let staged = Dictionary(blobs.staging().map { ($0.id, $0.modified) }, uniquingKeysWith: max)
        let expired = uploads.withLock { uploads in
            uploads.values.filter { upload in
                let touched = max(upload.created, staged[upload.id] ?? 0)
                return now - touched > Self.lifetime
            }.map(\.id)
        }
        for id in expired { remove(id) }
        let known = uploads.withLock { Set($0.keys) }
        var orphans = 0
        for (id, modified) in staged where !known.contains(id) && now - modified > 3_600_000_000 {
            blobs.discardStaging(id)
            orphans += 1
        }
        return expired.count + orphans
    }

    /// When an upload touched at `time` (its creation or its last bytes) expires.
    static func expiry(touched time: Int64) -> Int64 { time + lifetime }
}
