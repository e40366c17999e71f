import Foundation
import Operations
import Projections
import Synchronization

/// The uploads being received (tus 1.0, docs/files.md): what each one is for, kept beside its
/// staged bytes, so that an upload continues after a restart of the server as after a dropped
/// connection. The bytes themselves are the blob store's.
///
/// The records are lines appended to one journal, `<data>/uploads/uploads.log` (a record, or a
/// removal), read back at start and rewritten when it holds mostly dead lines. A file per upload,
/// rewritten when it completed, cost three inodes made and one freed per file: with a dropped
/// folder of 10,000 files, ext4's search past inodes freed in the last 30 s took a third of the
/// server's time (perf, docs/benchmarks.md). The journal is not fsynced, as the files were not:
/// a record lost in a crash only means that upload starts again (its HEAD answers 404).
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
        /// A completed part whose bytes are still staged (hashed, not yet durable): they go into
        /// the blob store with the rest of their folder.
        var staged: Bool?
    }

    /// A journal line: a record, or the removal of one.
    private struct Line: Codable {
        var upload: Upload?
        var removed: String?
    }

    /// What a user's unfinished uploads add up to (kept as records change: a folder of many
    /// files is many uploads, and counting them each time was quadratic).
    private struct Tally {
        var count = 0
        var bytes: UInt64 = 0
    }

    private struct State {
        var uploads: [String: Upload] = [:]
        var tallies: [String: Tally] = [:]
        /// The journal, open for appending, and how many lines it holds.
        var journal: Int32 = -1
        var lines = 0

        mutating func put(_ upload: Upload) {
            if let old = uploads.updateValue(upload, forKey: upload.id) { count(old, -1) }
            count(upload, 1)
        }

        mutating func drop(_ id: String) {
            if let old = uploads.removeValue(forKey: id) { count(old, -1) }
        }

        private mutating func count(_ upload: Upload, _ sign: Int) {
            guard upload.blob == nil else { return }
            var tally = tallies[upload.owner, default: Tally()]
            tally.count += sign
            tally.bytes = sign > 0 ? tally.bytes &+ upload.length : tally.bytes &- upload.length
            tallies[upload.owner] = tally.count == 0 ? nil : tally
        }
    }

    /// An upload left untouched this long is removed with its bytes (tus "expiration").
    static let lifetime: Int64 = 24 * 3_600_000_000
    /// Unfinished uploads one user may have at once (a folder of many files is many uploads).
    static let maxPerUser = 20_000

    let directory: String
    let blobs: any BlobStore
    private let state: Mutex<State>
    /// Uploads a request is writing to right now: a second PATCH at once is refused.
    private let busy = Mutex<Set<String>>([])
    private var journalPath: String { directory + "/uploads.log" }

    init(directory: String, blobs: any BlobStore) throws {
        self.directory = directory
        self.blobs = blobs
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var found = State()
        let decoder = JSONDecoder()
        // Records of earlier versions: a file per upload, folded into the journal below.
        let older = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }
        for name in older {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
                  let upload = try? decoder.decode(Upload.self, from: data) else { continue }
            found.put(upload)
        }
        if let journal = FileManager.default.contents(atPath: directory + "/uploads.log") {
            // A line cut short by a crash is skipped (its upload starts again).
            for line in journal.split(separator: UInt8(ascii: "\n")) {
                guard let entry = try? decoder.decode(Line.self, from: Data(line)) else { continue }
                if let upload = entry.upload { found.put(upload) } else if let id = entry.removed { found.drop(id) }
            }
        }
        state = Mutex(found)
        try state.withLock { try Self.rewrite(&$0, at: journalPath) }
        for name in older { unlink("\(directory)/\(name)") }
    }

    deinit {
        state.withLock { if $0.journal >= 0 { close($0.journal) } }
    }

    subscript(id: String) -> Upload? { state.withLock { $0.uploads[id] } }

    /// The owner's unfinished uploads.
    func count(of owner: UserID) -> Int {
        state.withLock { $0.tallies[owner.rawValue]?.count ?? 0 }
    }

    /// Content of completed uploads still waiting to be named (a folder being shared).
    func completedBlobs() -> Set<String> {
        state.withLock { Set($0.uploads.values.compactMap { $0.part && $0.position == nil ? $0.blob : nil }) }
    }

    /// Bytes announced by the owner's unfinished uploads.
    func pending(of owner: UserID) -> UInt64 {
        state.withLock { $0.tallies[owner.rawValue]?.bytes ?? 0 }
    }

    func save(_ upload: Upload) throws {
        var line = try JSONEncoder().encode(Line(upload: upload))
        line.append(UInt8(ascii: "\n"))
        try state.withLock { state in
            try append(line, to: &state)
            state.put(upload)
        }
    }

    func remove(_ id: String) { remove([id]) }

    /// Several at once (a shared folder's parts): one write to the journal.
    func remove(_ ids: [String]) {
        var lines = Data()
        var count = 0
        state.withLock { state in
            for id in ids where state.uploads[id] != nil {
                state.drop(id)
                guard let line = try? JSONEncoder().encode(Line(removed: id)) else { continue }
                lines.append(line)
                lines.append(UInt8(ascii: "\n"))
                count += 1
            }
            if count > 0 { try? append(lines, to: &state, count: count) }
        }
        for id in ids { blobs.discardStaging(id) }
    }

    /// One write, at the journal's end; rewritten first when dead lines are most of it.
    private func append(_ line: Data, to state: inout State, count: Int = 1) throws {
        if state.lines > 1_000 && state.lines > 4 * state.uploads.count { try Self.rewrite(&state, at: journalPath) }
        let written = line.withUnsafeBytes { write(state.journal, $0.baseAddress, $0.count) }
        guard written == line.count else {
            // Cut back whatever part of the line went in: the next line starts clean.
            if written > 0 { try? Self.rewrite(&state, at: journalPath) }
            throw written < 0 && errno == ENOSPC ? BlobStoreError.diskFull : BlobStoreError.io("upload journal")
        }
        state.lines += count
    }

    /// The live records alone, in a new journal put in place of the old.
    private static func rewrite(_ state: inout State, at path: String) throws {
        let encoder = JSONEncoder()
        var data = Data()
        for upload in state.uploads.values {
            data.append(try encoder.encode(Line(upload: upload)))
            data.append(UInt8(ascii: "\n"))
        }
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw BlobStoreError.io("rename \(temporary)") }
        if state.journal >= 0 { close(state.journal) }
        state.journal = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard state.journal >= 0 else { throw BlobStoreError.io("open \(path)") }
        state.lines = state.uploads.count
    }

    /// Claims the upload for one request; false if another is writing to it.
    func begin(_ id: String) -> Bool { busy.withLock { $0.insert(id).inserted } }
    func end(_ id: String) { busy.withLock { _ = $0.remove(id) } }

    /// Removes uploads untouched for `lifetime` (and staged bytes no upload claims), and
    /// returns how many went.
    @discardableResult
    func sweep(now: Int64) -> Int {
        let staged = Dictionary(blobs.staging().map { ($0.id, $0.modified) }, uniquingKeysWith: max)
        let expired = state.withLock { state in
            state.uploads.values.filter { upload in
                let touched = max(upload.created, staged[upload.id] ?? 0)
                return now - touched > Self.lifetime
            }.map(\.id)
        }
        for id in expired { remove(id) }
        let known = state.withLock { Set($0.uploads.keys) }
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
