import CZstd
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The embedded blob store: files under `<data>/blobs`, in folders fanned out by the hash's
/// first two bytes (`sha256/ab/cd/abcd…`, so no folder holds millions of entries), compressible
/// content as `…/<hash>.zst`. Uploads are staged in `staging/<id>`, hashed when complete,
/// fsynced, and renamed into place, then the folders are fsynced: a crash leaves a blob whole or
/// absent, never half-written under its name. The fsyncs of commits running at once are shared
/// (`GroupSync`); the hash is kept as the bytes arrive (`RunningHashes`), so nothing is read back.
public final class FileBlobStore: BlobStore {
    public let directory: String
    /// Between finding content already stored (and touching it) and the collector's removal.
    private let collection = Mutex<Void>(())
    /// The hash of each staged upload's bytes so far, kept as they are appended so that `commit`
    /// need not read a large upload back (a restart loses it: `commit` then reads the file).
    private let runningHashes = RunningHashes()
    private let syncs = GroupSync()
    private var stagingDirectory: String { directory + "/staging" }
    private var contentDirectory: String { directory + "/sha256" }

    public init(directory: String) throws(BlobStoreError) {
        self.directory = directory
        for path in [directory, directory + "/staging", directory + "/sha256"] {
            if mkdir(path, 0o700) != 0 && errno != EEXIST { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        }
    }

    static func isValidID(_ id: String) -> Bool {
        (1...80).contains(id.utf8.count) && id.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }
    }

    static func isValidHash(_ hash: String) -> Bool {
        hash.utf8.count == 64 && hash.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private func stagingPath(_ id: String) throws(BlobStoreError) -> String {
        guard Self.isValidID(id) else { throw .notFound("upload \(id)") }
        return "\(stagingDirectory)/\(id)"
    }

    private func folder(_ hash: String) -> String {
        let utf8 = Array(hash.utf8)
        return "\(contentDirectory)/\(String(decoding: utf8[0..<2], as: UTF8.self))/\(String(decoding: utf8[2..<4], as: UTF8.self))"
    }

    /// The stored file of a blob and whether it is compressed, if present.
    private func location(_ hash: String) -> (path: String, compressed: Bool)? {
        guard Self.isValidHash(hash) else { return nil }
        let base = "\(folder(hash))/\(hash)"
        if access(base, F_OK) == 0 { return (base, false) }
        if access(base + ".zst", F_OK) == 0 { return (base + ".zst", true) }
        return nil
    }

    public func openStaging(_ id: String) throws(BlobStoreError) -> any StagingFile {
        let path = try stagingPath(id)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.error("open \(path)") }
        var info = stat()
        fstat(fd, &info)
        let size = UInt64(info.st_size)
        return PosixStagingFile(fd: fd, size: size, id: id, hasher: runningHashes.take(id, at: size), hashes: runningHashes)
    }

    public func stagedSize(_ id: String) -> UInt64? {
        guard let path = try? stagingPath(id) else { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_size)
    }

    public func stagedPrefix(_ id: String, count: Int) throws(BlobStoreError) -> [UInt8] {
        let path = try stagingPath(id)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .notFound("upload \(id)") }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        guard got >= 0 else { throw Self.error("read \(path)") }
        return Array(buffer[0..<got])
    }

    public func discardStaging(_ id: String) {
        guard let path = try? stagingPath(id) else { return }
        runningHashes.forget(id)
        unlink(path)
    }

    public func staging() -> [(id: String, modified: Int64)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory)) ?? []
        return names.compactMap { name in
            var info = stat()
            guard Self.isValidID(name), stat("\(stagingDirectory)/\(name)", &info) == 0 else { return nil }
            return (name, Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000)
        }
    }

    public func stagedHash(_ id: String) throws(BlobStoreError) -> (sha256: String, size: UInt64) {
        let path = try stagingPath(id)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .notFound("upload \(id)") }
        defer { Glibc.close(fd) }
        var info = stat()
        fstat(fd, &info)
        if var running = runningHashes.peek(id, at: UInt64(info.st_size)) { return (running.finalize(), UInt64(info.st_size)) }
        return try Self.hashFile(fd, path: path)
    }

    /// How many staged files one commit holds open at once: a folder may have 20,000 parts, and
    /// a process 1,024 descriptors (Debian's default); a larger batch is committed in slices.
    public static let sliceSize = 512

    public func commit(_ batch: [StagedBlob]) throws(BlobStoreError) -> [StoredBlob] {
        guard batch.count > Self.sliceSize else { return try commitSlice(batch) }
        var stored: [StoredBlob] = []
        stored.reserveCapacity(batch.count)
        for start in stride(from: 0, to: batch.count, by: Self.sliceSize) {
            stored += try commitSlice(Array(batch[start..<min(start + Self.sliceSize, batch.count)]))
        }
        return stored
    }

    private func commitSlice(_ batch: [StagedBlob]) throws(BlobStoreError) -> [StoredBlob] {
        /// One staged upload on its way into the store.
        struct Item {
            var path: String
            var fd: Int32
            var hash = ""
            var size: UInt64 = 0
            /// Already stored, or earlier in this batch.
            var found = false
            /// A compressed copy written beside its target (still open).
            var compressed: (path: String, fd: Int32)?
        }
        var items: [Item] = []
        defer {
            for item in items {
                Glibc.close(item.fd)
                if let compressed = item.compressed { Glibc.close(compressed.fd) }
            }
        }
        for staged in batch {
            let path = try stagingPath(staged.id)
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .notFound("upload \(staged.id)") }
            var item = Item(path: path, fd: fd)
            items.append(item)
            var info = stat()
            fstat(fd, &info)
            if var running = runningHashes.take(staged.id, at: UInt64(info.st_size)) {
                (item.hash, item.size) = (running.finalize(), UInt64(info.st_size))
            } else {
                (item.hash, item.size) = try Self.hashFile(fd, path: path)
            }
            items[items.count - 1] = item
        }
        var named = Set<String>()
        collection.withLock { _ in
            for index in items.indices {
                if let (existing, _) = location(items[index].hash) {
                    // Touched: the collector leaves it alone now that an event is about to name it.
                    utimes(existing, nil)
                    items[index].found = true
                } else if !named.insert(items[index].hash).inserted {
                    items[index].found = true
                }
            }
        }
        var folders: Set<String> = [stagingDirectory]
        for (index, staged) in zip(items.indices, batch) where !items[index].found {
            let hash = items[index].hash
            folders.formUnion(try makeFolders(for: hash))
            folders.insert(folder(hash))
            if staged.compress, items[index].size >= 512 {
                items[index].compressed = try compressInto(target: "\(folder(hash))/\(hash).zst", from: items[index].fd, size: items[index].size)
            }
        }
        // The bytes are durable before their names appear, the names before the answer; both
        // syncs are shared with whatever other commits run at the same time.
        let stored = items.filter { !$0.found }
        try syncs.sync(files: stored.map { $0.compressed?.fd ?? $0.fd }, folders: [])
        for item in stored {
            let target = folder(item.hash)
            if let compressed = item.compressed {
                guard rename(compressed.path, "\(target)/\(item.hash).zst") == 0 else { throw Self.error("rename \(compressed.path)") }
                unlink(item.path)
            } else {
                guard rename(item.path, "\(target)/\(item.hash)") == 0 else { throw Self.error("rename into \(target)") }
            }
        }
        try syncs.sync(files: [], folders: folders.sorted())
        for item in items where item.found { unlink(item.path) }
        return items.map { StoredBlob(sha256: $0.hash, size: $0.size, deduplicated: $0.found) }
    }

    /// Reads a staged file through to hash it (after a restart lost its running hash).
    private static func hashFile(_ fd: Int32, path: String) throws(BlobStoreError) -> (String, UInt64) {
        var hasher = SHA256Hasher()
        var size: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 { if errno == EINTR { continue }; throw Self.error("read \(path)") }
            if got == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            size += UInt64(got)
        }
        return (hasher.finalize(), size)
    }

    /// Writes a compressed copy beside `target` and returns it (still open, not yet synced), or
    /// nil (and nothing written) when compression would save under a tenth.
    private func compressInto(target: String, from fd: Int32, size: UInt64) throws(BlobStoreError) -> (String, Int32)? {
        let temporary = target + ".tmp"
        let out = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw Self.error("open \(temporary)") }
        var written: UInt64 = 0
        var failure: BlobStoreError?
        do {
            let compressor = ZstdCompressor(level: 3, pledgedSize: size) { chunk in
                try chunk.withUnsafeBytes { bytes in try Self.writeAll(out, bytes) }
                written += UInt64(chunk.count)
            }
            lseek(fd, 0, SEEK_SET)
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if got < 0 { if errno == EINTR { continue }; throw Self.error("read staging") }
                if got == 0 { break }
                try buffer.withUnsafeBytes { try compressor.write(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            }
            try compressor.finish()
        } catch let error as BlobStoreError {
            failure = error
        } catch {
            failure = .io("\(error)")
        }
        if failure != nil || written >= size - size / 10 {
            Glibc.close(out)
            unlink(temporary)
            if let failure { throw failure }
            return nil
        }
        return (temporary, out)
    }

    /// Creates the hash's two folder levels; the folders whose entries changed (to be synced).
    private func makeFolders(for hash: String) throws(BlobStoreError) -> [String] {
        let utf8 = Array(hash.utf8)
        let first = "\(contentDirectory)/\(String(decoding: utf8[0..<2], as: UTF8.self))"
        var changed: [String] = []
        for (path, parent) in [(first, contentDirectory), (folder(hash), first)] {
            if mkdir(path, 0o700) == 0 {
                changed.append(parent)
            } else if errno != EEXIST {
                throw Self.error("mkdir \(path)")
            }
        }
        return changed
    }

    public func contains(_ sha256: String) -> Bool { location(sha256) != nil }

    public func open(_ sha256: String) throws(BlobStoreError) -> any BlobReader {
        guard let (path, compressed) = location(sha256) else { throw .notFound("blob \(sha256)") }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error("open \(path)") }
        if compressed { return try CompressedBlobReader(fd: fd) }
        var info = stat()
        fstat(fd, &info)
        return PosixBlobReader(fd: fd, size: UInt64(info.st_size))
    }

    public func remove(_ sha256: String) throws(BlobStoreError) {
        guard let (path, _) = location(sha256) else { return }
        guard unlink(path) == 0 else { throw Self.error("unlink \(path)") }
    }

    public func modified(_ sha256: String) -> Int64? {
        var info = stat()
        guard let (path, _) = location(sha256), stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000
    }

    public func remove(_ sha256: String, ifUntouchedSince cutoff: Int64) throws(BlobStoreError) -> Bool {
        try collection.withLock { _ throws(BlobStoreError) -> Bool in
            guard let (path, _) = location(sha256), let touched = modified(sha256), touched < cutoff else { return false }
            guard unlink(path) == 0 else { throw Self.error("unlink \(path)") }
            return true
        }
    }

    public func all() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: contentDirectory) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            let hash = name.hasSuffix(".zst") ? String(name.dropLast(4)) : name
            if Self.isValidHash(hash) { found.append(hash) }
        }
        return found.sorted()
    }

    public func diskUsage() -> UInt64 {
        all().reduce(0) { total, hash in
            var info = stat()
            guard let (path, _) = location(hash), stat(path, &info) == 0 else { return total }
            return total + UInt64(info.st_size)
        }
    }

    static func error(_ what: String) -> BlobStoreError {
        if errno == ENOSPC || errno == EDQUOT { return .diskFull }
        return .io("\(what): \(String(cString: strerror(errno)))")
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(BlobStoreError) {
        var offset = 0
        while offset < bytes.count {
            let wrote = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if wrote < 0 {
                if errno == EINTR { continue }
                throw error("write")
            }
            offset += wrote
        }
    }
}

/// Running hashes of staged uploads, by staging id, each valid for the bytes up to its offset.
/// A staging file takes its upload's hash when opened and gives it back, advanced, when closed.
final class RunningHashes: Sendable {
    private let hashes = Mutex<[String: (offset: UInt64, hasher: SHA256Hasher)]>([:])

    /// The hash of exactly the first `offset` bytes, if known (a fresh hash at 0), removed.
    func take(_ id: String, at offset: UInt64) -> SHA256Hasher? {
        let known = hashes.withLock { $0.removeValue(forKey: id) }
        if let known, known.offset == offset { return known.hasher }
        return offset == 0 ? SHA256Hasher() : nil
    }

    /// The same, left in place.
    func peek(_ id: String, at offset: UInt64) -> SHA256Hasher? {
        let known = hashes.withLock { $0[id] }
        if let known, known.offset == offset { return known.hasher }
        return offset == 0 ? SHA256Hasher() : nil
    }

    func keep(_ id: String, _ hasher: SHA256Hasher, at offset: UInt64) {
        hashes.withLock { $0[id] = (offset, hasher) }
    }

    func forget(_ id: String) {
        _ = hashes.withLock { $0.removeValue(forKey: id) }
    }
}

final class PosixStagingFile: StagingFile {
    private let fd: Int32
    private(set) var size: UInt64
    private var closed = false
    private let id: String
    /// The hash of the bytes so far; nil once unknown (after a restart, or cut back).
    private var hasher: SHA256Hasher?
    private let hashes: RunningHashes

    init(fd: Int32, size: UInt64, id: String, hasher: SHA256Hasher?, hashes: RunningHashes) {
        self.fd = fd
        self.size = size
        self.id = id
        self.hasher = hasher
        self.hashes = hashes
    }

    deinit { close() }

    func append(_ bytes: UnsafeRawBufferPointer) throws(BlobStoreError) {
        guard bytes.count > 0 else { return }
        do throws(BlobStoreError) {
            try FileBlobStore.writeAll(fd, bytes)
        } catch {
            // Keep only whole, acknowledged bytes: a short write is cut back off.
            ftruncate(fd, off_t(size))
            throw error
        }
        size += UInt64(bytes.count)
        hasher?.update(bytes)
    }

    func truncate(to newSize: UInt64) throws(BlobStoreError) {
        guard newSize <= size else { return }
        guard ftruncate(fd, off_t(newSize)) == 0 else { throw FileBlobStore.error("ftruncate") }
        if newSize != size { hasher = newSize == 0 ? SHA256Hasher() : nil }
        size = newSize
    }

    func sync() throws(BlobStoreError) {
        guard fdatasync(fd) == 0 else { throw FileBlobStore.error("fdatasync") }
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
        if let hasher { hashes.keep(id, hasher, at: size) }
    }
}

final class PosixBlobReader: BlobReader {
    private let fd: Int32
    let size: UInt64
    private var closed = false

    init(fd: Int32, size: UInt64) {
        self.fd = fd
        self.size = size
    }

    deinit { close() }

    func read(at offset: UInt64, count: Int) throws(BlobStoreError) -> [UInt8] {
        guard offset < size, count > 0 else { return [] }
        let want = Int(min(UInt64(count), size - offset))
        var got = 0
        let buffer = try [UInt8](unsafeUninitializedCapacity: want) { (raw, initialized) throws(BlobStoreError) in
            got = try read(at: offset, into: UnsafeMutableRawBufferPointer(raw))
            initialized = got
        }
        return buffer
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(BlobStoreError) -> Int {
        guard offset < size, buffer.count > 0 else { return 0 }
        let want = Int(min(UInt64(buffer.count), size - offset))
        var got = 0
        while got < want {
            let n = pread(fd, buffer.baseAddress! + got, want - got, off_t(offset) + off_t(got))
            if n < 0 { if errno == EINTR { continue }; throw FileBlobStore.error("pread") }
            if n == 0 { break }
            got += n
        }
        return got
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

/// Reads a zstd-compressed blob as its content. Reads are expected in order (downloads,
/// ranges); a read behind the current point starts decompressing again from the beginning.
final class CompressedBlobReader: BlobReader {
    private let fd: Int32
    let size: UInt64
    private var decompressor = ZstdDecompressor()
    private var inputOffset: off_t = 0
    /// Decompressed bytes produced so far, and those not yet handed out.
    private var produced: UInt64 = 0
    private var pending: [UInt8] = []
    private var pendingStart: UInt64 = 0
    private var closed = false

    init(fd: Int32) throws(BlobStoreError) {
        self.fd = fd
        // The frame header holds the content size (ZSTD_compressStream2 with a known end).
        var header = [UInt8](repeating: 0, count: 18)
        let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 18, 0) }
        let content = got > 0 ? header.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, got) } : 0
        if content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR {
            // Count it once by decompressing (older blobs, streamed frames).
            var total: UInt64 = 0
            let counter = ZstdDecompressor()
            var offset: off_t = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 17)
            while true {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
                guard n > 0 else { break }
                offset += off_t(n)
                do {
                    try buffer.withUnsafeBytes { bytes in
                        try counter.feed(UnsafeRawBufferPointer(rebasing: bytes[0..<n])) { total += UInt64($0.count) }
                    }
                } catch {
                    Glibc.close(fd)
                    throw .corrupt("compressed blob")
                }
            }
            size = total
        } else {
            size = UInt64(content)
        }
    }

    deinit { close() }

    func read(at offset: UInt64, count: Int) throws(BlobStoreError) -> [UInt8] {
        guard offset < size, count > 0 else { return [] }
        if offset < pendingStart {
            decompressor = ZstdDecompressor()
            inputOffset = 0
            produced = 0
            pending = []
            pendingStart = 0
        }
        let want = Int(min(UInt64(count), size - offset))
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while pendingStart + UInt64(pending.count) < offset + UInt64(want) {
            // Drop what lies before the offset.
            if pendingStart + UInt64(pending.count) <= offset {
                pendingStart += UInt64(pending.count)
                pending.removeAll(keepingCapacity: true)
            }
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, inputOffset) }
            if n < 0 { throw FileBlobStore.error("pread") }
            if n == 0 { break }
            inputOffset += off_t(n)
            do {
                try buffer.withUnsafeBytes { bytes in
                    try decompressor.feed(UnsafeRawBufferPointer(rebasing: bytes[0..<n])) { pending.append(contentsOf: $0) }
                }
            } catch {
                throw .corrupt("compressed blob")
            }
        }
        let start = Int(offset - pendingStart)
        let end = min(pending.count, start + want)
        guard start < end else { return [] }
        let result = Array(pending[start..<end])
        // Keep only from the end of this read on: the next read is expected to follow it.
        pendingStart += UInt64(end)
        pending.removeFirst(end)
        return result
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}
