import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Group commit for the blob store's fsyncs, as the log groups its transactions: commits that
/// arrive while a sync is running wait for it, then one of them (the leader) syncs all their
/// files and folders at once. On a journalling filesystem the first fsync of a batch commits
/// the journal for all of them and the rest find nothing left to do, so a burst of small
/// uploads (a dropped folder of thousands of files) costs a few journal commits, not one each.
///
/// Each caller still returns only once its own files and folders are durable.
final class GroupSync: @unchecked Sendable {
    /// The files and folders one sync will cover, and its outcome.
    private final class Batch {
        var files: [Int32] = []
        var folders: Set<String> = []
        var done = false
        var failure: BlobStoreError?
    }

    // `condition` guards everything below it.
    private let condition = NSCondition()
    private var collecting = Batch()
    private var syncing = false

    /// Makes `files` (open descriptors, left open) and `folders` durable, with whatever other
    /// commits are waiting. Blocks the calling thread (the blob store is called off the event loops).
    func sync(files: [Int32], folders: [String]) throws(BlobStoreError) {
        condition.lock()
        let mine = collecting
        mine.files += files
        mine.folders.formUnion(folders)
        while !mine.done {
            if syncing {
                condition.wait()
                continue
            }
            // Lead: everything collected so far (mine included) goes in this sync.
            syncing = true
            let batch = collecting
            collecting = Batch()
            condition.unlock()
            let failure = Self.syncAll(batch)
            condition.lock()
            batch.failure = failure
            batch.done = true
            syncing = false
            condition.broadcast()
        }
        condition.unlock()
        if let failure = mine.failure { throw failure }
    }

    /// A batch this large is made durable by one `syncfs` rather than an fsync each: on ext4
    /// every fsync of a new file or folder commits the journal, one after the other, while one
    /// syncfs commits it once for all (a dropped folder: four folders and a file per upload). The
    /// price: syncfs also writes out whatever else is dirty on that filesystem (another upload's
    /// bytes, which its own commit would have synced anyway).
    static let wholeFilesystemAt = 8

    /// glibc's syncfs(2), which its Swift module leaves out (declared under _GNU_SOURCE only);
    /// where it is missing, a whole-system sync(2) does the same and more.
    private static let syncFilesystem: @Sendable (Int32) -> Int32 = {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(nil, "syncfs") else { return { _ in Glibc.sync(); return 0 } }
        let function = unsafeBitCast(symbol, to: SyncFS.self)
        return { function($0) }
    }()

    /// Files first (their data and sizes), then the folders that name them — or all at once.
    private static func syncAll(_ batch: Batch) -> BlobStoreError? {
        if batch.files.count + batch.folders.count >= wholeFilesystemAt {
            let fd = batch.files.first ?? open(batch.folders.first!, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                defer { if batch.files.isEmpty { close(fd) } }
                return syncFilesystem(fd) == 0 ? nil : FileBlobStore.error("syncfs")
            }
        }
        var failure: BlobStoreError?
        for fd in batch.files where fsync(fd) != 0 {
            failure = failure ?? FileBlobStore.error("fsync")
        }
        for folder in batch.folders.sorted() {
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                failure = failure ?? FileBlobStore.error("open \(folder)")
                continue
            }
            if fsync(fd) != 0 { failure = failure ?? FileBlobStore.error("fsync \(folder)") }
            close(fd)
        }
        return failure
    }
}
