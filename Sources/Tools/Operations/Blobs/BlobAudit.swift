public import EventStore
import Foundation
public import Projections

/// The files' side of `audit verify`: every file that exists at the head names content the
/// blob store holds, whole. A missing or altered blob is reported by the event that named it.
public enum BlobAudit {
    public struct Problem: Codable, Sendable, Hashable {
        /// `missing` or `altered`.
        public var kind: String
        public var sha256: String
        public var file: String
        public var name: String
        /// The position of the event that stored this content.
        public var position: UInt64
    }

    public struct Report: Codable, Sendable {
        public var files: Int
        public var blobs: Int
        public var bytes: UInt64
        public var problems: [Problem]
        public var isIntact: Bool { problems.isEmpty }
    }

    /// Checks the blobs of every file in `state` (the views folded to the head), rehashing each.
    public static func verify(_ state: ChatState, blobs: any BlobStore) -> Report {
        var byBlob: [String: FilesView.File] = [:]
        for file in state.files.byID.values where byBlob[file.blob.sha256].map({ $0.position > file.position }) ?? true {
            byBlob[file.blob.sha256] = file
        }
        var problems: [Problem] = []
        var bytes: UInt64 = 0
        for (hash, file) in byBlob.sorted(by: { $0.value.position < $1.value.position }) {
            func problem(_ kind: String) -> Problem {
                Problem(kind: kind, sha256: hash, file: file.id.rawValue, name: file.path, position: file.position)
            }
            guard blobs.contains(hash) else {
                problems.append(problem("missing"))
                continue
            }
            switch contentHash(hash, in: blobs) {
            case .some((let actual, let size)) where actual == hash && size == file.blob.size: bytes += size
            default: problems.append(problem("altered"))
            }
        }
        return Report(files: state.files.byID.count, blobs: byBlob.count, bytes: bytes, problems: problems)
    }

    /// Folds the log to its head, then checks.
    public static func verify(_ store: any EventLogReader, blobs: any BlobStore) throws -> Report {
        let replay = try Replay(store, through: UInt64.max)
        return verify(replay.state, blobs: blobs)
    }

    /// The SHA-256 and size of what the store returns for `hash` (nil if it cannot be read).
    static func contentHash(_ hash: String, in blobs: any BlobStore) -> (String, UInt64)? {
        guard let reader = try? blobs.open(hash) else { return nil }
        defer { reader.close() }
        var hasher = SHA256Hasher()
        var offset: UInt64 = 0
        while true {
            guard let chunk = try? reader.read(at: offset, count: 1 << 20) else { return nil }
            if chunk.isEmpty { break }
            hasher.update(chunk)
            offset += UInt64(chunk.count)
        }
        return (hasher.finalize(), offset)
    }
}
