import EventStore
import Logging
import Operations
import Projections

/// Removes content no file names any longer — deleted everywhere, in a deleted room, an upload
/// completed but never used — once it has been so for a grace period (a day), and records the
/// removal as a `BlobsCollected` event. Runs at start and every hour.
///
/// The grace period also keeps content a backup taken moments ago may still name; and the store
/// never removes a blob a new upload of the same content found in the meantime
/// (`remove(_:ifUntouchedSince:)`).
struct BlobCollector: Sendable {
    let core: ChatCore
    let blobs: any BlobStore
    let uploads: UploadRegistry
    var grace: Int64 = 24 * 3_600_000_000

    @discardableResult
    func collect(now: Int64 = Timestamp.now().microseconds) async -> (count: Int, bytes: UInt64) {
        uploads.sweep(now: now)
        let cutoff = now - grace
        // Content a notice attaches is named by the notice, not by a file.
        let (referenced, orphans) = core.withState { state in
            (Set(state.files.references.keys).union(state.bulletin.blobs), state.files.orphans)
        }
        let waiting = uploads.completedBlobs()
        var removed: [String] = []
        var bytes: UInt64 = 0
        for hash in blobs.all() where !referenced.contains(hash) && !waiting.contains(hash) {
            // An orphan since a known time, or content no event ever named: its file's age decides.
            if let since = orphans[hash], since >= cutoff { continue }
            var size: UInt64 = 0
            if let reader = try? blobs.open(hash) {
                size = reader.size
                reader.close()
            }
            do {
                if try blobs.remove(hash, ifUntouchedSince: cutoff) {
                    removed.append(hash)
                    bytes += size
                }
            } catch {
                core.logger.warning("a blob could not be removed", metadata: ["blob": "\(hash)", "error": "\(error)"])
            }
        }
        guard !removed.isEmpty else { return (0, 0) }
        do {
            try await core.execute(RecordBlobCollection(blobs: removed, bytes: bytes), by: .system)
        } catch {
            core.logger.warning("blob collection not recorded", metadata: ["error": "\(error)"])
        }
        core.logger.info("collected unused file contents", metadata: ["blobs": "\(removed.count)", "bytes": "\(bytes)"])
        return (removed.count, bytes)
    }
}
