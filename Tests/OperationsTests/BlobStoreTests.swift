import Foundation
import Operations
import Synchronization
import Testing

/// The embedded blob store names content by the SHA-256 of exactly the bytes staged, however
/// the upload arrived: in several requests, cut back, or across a restart of the server.
@Suite("Blob store")
struct BlobStoreTests {
    /// The digest computed by coreutils, not by the code under test.
    static func sha256sum(_ data: Data, in dir: Scratch) throws -> String {
        let path = dir.file("expected-\(UUID().uuidString)")
        try data.write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(output.prefix(64))
    }

    static func random(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func stage(_ store: FileBlobStore, _ id: String, _ data: Data) throws {
        let file = try store.openStaging(id)
        defer { file.close() }
        try data.withUnsafeBytes { try file.append($0) }
        try file.sync()
    }

    /// A batch larger than one slice (a folder of thousands of parts, more than a process may
    /// hold open at once): every part stored once, each answer in its place, nothing left staged.
    @Test func aBatchLargerThanASliceIsStoredWholeAndInOrder() throws {
        let dir = Scratch("blobs-batch")
        defer { dir.remove() }
        let store = try FileBlobStore(directory: dir.file("blobs"))
        let count = FileBlobStore.sliceSize * 2 + 10
        // Two parts for each content, the second a slice later (found in the store, not the batch).
        let contents = (0..<count / 2).map { Data("part \($0)".utf8) }
        var batch: [StagedBlob] = []
        for index in 0..<count {
            try Self.stage(store, "b\(index)", contents[index % contents.count])
            batch.append(StagedBlob(id: "b\(index)", compress: false))
        }
        let hashes = contents.map { content -> String in
            var hasher = SHA256Hasher()
            hasher.update(Array(content))
            return hasher.finalize()
        }
        let stored = try store.commit(batch)
        #expect(stored.count == count)
        for (index, blob) in stored.enumerated() {
            #expect(blob.sha256 == hashes[index % contents.count], "\(index)")
            #expect(blob.deduplicated == (index >= contents.count))
        }
        #expect(store.all().count == contents.count)
        #expect(store.staging().isEmpty)
    }

    @Test func anUploadInSeveralRequestsIsNamedByTheHashOfAllItsBytes() throws {
        let dir = Scratch("blobs-parts")
        defer { dir.remove() }
        let store = try FileBlobStore(directory: dir.file("blobs"))
        let parts = [Self.random(70_000), Self.random(1), Self.random(300_000)]
        for part in parts { try Self.stage(store, "u1", part) }
        let whole = parts.reduce(Data(), +)
        let stored = try store.commit(staging: "u1", compress: false)
        #expect(stored.sha256 == (try Self.sha256sum(whole, in: dir)))
        #expect(stored.size == UInt64(whole.count))
        let reader = try store.open(stored.sha256)
        defer { reader.close() }
        #expect(Data(try reader.read(at: 0, count: whole.count)) == whole)
    }

    @Test func anUploadCutBackAndResumedIsNamedByTheBytesKept() throws {
        let dir = Scratch("blobs-cut")
        defer { dir.remove() }
        let store = try FileBlobStore(directory: dir.file("blobs"))
        let first = Self.random(50_000), extra = Self.random(9_000), rest = Self.random(20_000)
        let file = try store.openStaging("u2")
        try first.withUnsafeBytes { try file.append($0) }
        try extra.withUnsafeBytes { try file.append($0) }
        try file.truncate(to: UInt64(first.count))  // a request that sent more than announced
        file.close()
        try Self.stage(store, "u2", rest)
        let stored = try store.commit(staging: "u2", compress: false)
        #expect(stored.sha256 == (try Self.sha256sum(first + rest, in: dir)))
    }

    @Test func anUploadResumedAfterARestartIsHashedFromItsFile() throws {
        let dir = Scratch("blobs-restart")
        defer { dir.remove() }
        let first = Self.random(40_000), rest = Self.random(40_000)
        try Self.stage(try FileBlobStore(directory: dir.file("blobs")), "u3", first)
        let restarted = try FileBlobStore(directory: dir.file("blobs"))
        #expect(restarted.stagedSize("u3") == UInt64(first.count))
        try Self.stage(restarted, "u3", rest)
        let stored = try restarted.commit(staging: "u3", compress: true)
        #expect(stored.sha256 == (try Self.sha256sum(first + rest, in: dir)))
        #expect(!stored.deduplicated)
        // The same bytes again are found, not stored twice.
        try Self.stage(restarted, "u4", first + rest)
        #expect(try restarted.commit(staging: "u4", compress: false).deduplicated)
    }

    @Test func aDiscardedUploadStartsAgainFromNothing() throws {
        let dir = Scratch("blobs-discard")
        defer { dir.remove() }
        let store = try FileBlobStore(directory: dir.file("blobs"))
        try Self.stage(store, "u5", Self.random(10_000))
        store.discardStaging("u5")
        let fresh = Self.random(5_000)
        try Self.stage(store, "u5", fresh)
        #expect(try store.commit(staging: "u5", compress: false).sha256 == (try Self.sha256sum(fresh, in: dir)))
    }

    @Test func commitsAtOnceShareTheirSyncsAndEachKeepsItsOwnContent() throws {
        let dir = Scratch("blobs-group")
        defer { dir.remove() }
        let store = try FileBlobStore(directory: dir.file("blobs"))
        let contents = (0..<48).map { _ in Self.random(4096) }
        let results = Mutex<[Int: String]>([:])
        DispatchQueue.concurrentPerform(iterations: contents.count) { index in
            let hash = try? { () throws -> String in
                try Self.stage(store, "g\(index)", contents[index])
                return try store.commit(staging: "g\(index)", compress: index % 2 == 0).sha256
            }()
            results.withLock { $0[index] = hash }
        }
        for (index, content) in contents.enumerated() {
            let hash = try #require(results.withLock { $0[index] })
            #expect(hash == (try Self.sha256sum(content, in: dir)))
            let reader = try store.open(hash)
            #expect(Data(try reader.read(at: 0, count: content.count)) == content)
            reader.close()
        }
        #expect(store.staging().isEmpty)
    }
}
