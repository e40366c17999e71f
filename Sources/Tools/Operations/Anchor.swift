public import EventStore
import Foundation

/// Checkpoints of the hash chain, kept outside the log (in backup and export manifests, or a
/// file from `causerie audit head`). A log rewritten and re-hashed from some record on still
/// verifies on its own; it no longer matches the checkpoints taken before.
public struct Anchor: Codable, Sendable, Hashable {
    public struct Checkpoint: Codable, Sendable, Hashable {
        public var position: UInt64
        public var hash: String
    }

    public var storeID: String
    public var head: Head
    /// Evenly spaced positions up to the head (every one for small logs), with their hashes.
    public var checkpoints: [Checkpoint]

    /// Checkpoints of `store` up to `head` (the store's head when nil).
    public static func make(_ store: any EventLogReader, head: Head? = nil, count: Int = 1024) throws -> Anchor {
        let head = try head ?? store.currentHead()
        var positions: [UInt64] = []
        if head.position <= UInt64(count) {
            positions = head.position > 0 ? Array(1...head.position) : []
        } else {
            for index in 1...count { positions.append(UInt64((Double(head.position) * Double(index) / Double(count)).rounded())) }
        }
        var checkpoints: [Checkpoint] = []
        for position in Set(positions).sorted() {
            guard let hash = try store.hash(at: position) else {
                throw OperationError.corrupt("no record at position \(position)")
            }
            checkpoints.append(Checkpoint(position: position, hash: hash.hex))
        }
        return Anchor(storeID: store.storeID, head: head, checkpoints: checkpoints)
    }

    /// An anchor from a file: an anchor (`causerie audit head --out`), a backup, or an export manifest.
    public static func load(_ path: String) throws -> Anchor {
        if let backup = try? BackupReader(path: path) { return backup.manifest.anchor }
        guard let data = FileManager.default.contents(atPath: path) else { throw OperationError.io("cannot read \(path)") }
        if let anchor = try? JSONDecoder().decode(Anchor.self, from: data) { return anchor }
        if let manifest = try? JSONDecoder().decode(ExportManifest.self, from: data) { return manifest.anchor }
        throw OperationError.corrupt("\(path) is neither an anchor, a backup nor an export manifest")
    }

    /// What checking a log against an anchor found.
    public struct Finding: Sendable, Hashable {
        /// The log still holds every checkpoint: it extends the anchored head.
        public var extends: Bool
        /// The first checkpoint that no longer matches (the rewrite is at or before it, after
        /// `lastGood`).
        public var firstMismatch: UInt64?
        public var lastGood: UInt64
        public var detail: String
    }

    /// Checks that the log holds every checkpoint unchanged.
    public func check(_ store: any EventLogReader) throws -> Finding {
        if store.storeID != storeID {
            return Finding(extends: false, firstMismatch: checkpoints.first?.position ?? 1, lastGood: 0,
                           detail: "the anchor is of another store (\(storeID)), this is \(store.storeID)")
        }
        var lastGood: UInt64 = 0
        for checkpoint in checkpoints + [Checkpoint(position: head.position, hash: head.hash.hex)] where checkpoint.position > 0 {
            let actual = try store.hash(at: checkpoint.position)
            guard let actual else {
                return Finding(extends: false, firstMismatch: checkpoint.position, lastGood: lastGood,
                               detail: "the log no longer reaches position \(checkpoint.position)")
            }
            guard actual.hex == checkpoint.hash else {
                return Finding(extends: false, firstMismatch: checkpoint.position, lastGood: lastGood,
                               detail: "records after \(lastGood) and up to \(checkpoint.position) were rewritten "
                                   + "(the hash at \(checkpoint.position) differs from the anchor's)")
            }
            lastGood = checkpoint.position
        }
        return Finding(extends: true, firstMismatch: nil, lastGood: lastGood,
                       detail: "the log extends the anchored head \(head.position)")
    }
}
