import EventStore
import Foundation
@testable import Gateway
@testable import Operations
import Projections
import Testing

/// Files in backups, restores, audits and the collector: the promise that history covers files too.
@Suite("Files in backups, audits and collection", .serialized)
struct FileOperationsTests {
    typealias T = FileTransferTests

    /// Uploads `data` as `name` into the caller's personal area; returns the file id.
    static func upload(_ server: TestServer, _ token: String, _ name: String, _ data: Data) async throws -> String {
        let body = try T.write(data)
        let result = try await T.curl(server, "POST", "/api/v1/uploads", token: token, headers: T.chunk.merging([
            "Upload-Length": "\(data.count)", "Upload-Metadata": T.metadata(["filename": name]),
        ]) { $1 }, bodyFile: body)
        return try #require(result.headers["x-causerie-file"], "upload of \(name): \(result.status)")
    }

    static func blobPath(_ server: TestServer, _ hash: String) -> String? {
        let base = "\(server.directory)/blobs/sha256/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)"
        for path in [base, base + ".zst"] where FileManager.default.fileExists(atPath: path) { return path }
        return nil
    }

    @Test func backupsCarryTheContentsAndAuditsFindOneMissingAndOneAltered() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        var random = Data(count: 200_000)
        for i in 0..<random.count { random[i] = UInt8(truncatingIfNeeded: (i &* 7919) >> 3 ^ i) }
        let small = try await Self.upload(server, alice.token, "a.txt", Data("hello a".utf8))
        let large = try await Self.upload(server, alice.token, "b.bin", random)
        let (smallHash, largeHash) = server.core.withState { ($0.files[FileID(small)]!.blob.sha256, $0.files[FileID(large)]!.blob.sha256) }

        // A backup from the admin panel holds both contents; verify rehashes them; restore brings them back.
        let directory = NSTemporaryDirectory() + "causerie-files-backup-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = try await T.curl(server, "GET", "/api/v1/admin/backup", token: admin)
        #expect(good.status == 200)
        try good.body.write(to: URL(fileURLWithPath: directory + "/good.cbk"))
        #expect(try Backups.verify(directory + "/good.cbk").blobs == 2)
        _ = try Backups.restore([directory + "/good.cbk"], into: directory + "/restored")
        let restored = try LMDBEventStore(.init(directory: directory + "/restored", readOnly: true), logger: TestServer.quiet)
        let report = try BlobAudit.verify(restored, blobs: try FileBlobStore(directory: directory + "/restored/blobs"))
        restored.close()
        #expect(report.isIntact && report.blobs == 2 && report.bytes == UInt64(7 + random.count))

        // On the live server, one content is deleted from the disk and one altered by a byte.
        #expect(try await server.http("POST", "/api/v1/admin/audit/verify", token: admin).body["intact"]?.bool == true)
        try FileManager.default.removeItem(atPath: try #require(Self.blobPath(server, smallHash)))
        let largePath = try #require(Self.blobPath(server, largeHash))
        let handle = try #require(FileHandle(forUpdatingAtPath: largePath))
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([0xFF ^ random[1000]]))
        try handle.close()
        let audit = try await server.http("POST", "/api/v1/admin/audit/verify", token: admin)
        #expect(audit.body["intact"]?.bool == false)
        let problems = audit.body["files"]?["problems"]?.array ?? []
        #expect(problems.map { $0["kind"]?.string ?? "" }.sorted() == ["altered", "missing"])
        #expect(problems.first { $0["kind"]?.string == "missing" }?["file"]?.string == small)
        #expect(problems.allSatisfy { ($0["position"]?.int ?? 0) > 0 })
        // The download says so instead of sending wrong bytes; a backup taken now does not verify.
        #expect(try await T.curl(server, "GET", "/api/v1/files/\(small)", token: alice.token).status == 503)
        let bad = try await T.curl(server, "GET", "/api/v1/admin/backup", token: admin)
        try bad.body.write(to: URL(fileURLWithPath: directory + "/bad.cbk"))
        #expect(throws: OperationError.self) { try Backups.verify(directory + "/bad.cbk") }
    }

    @Test func anIncrementCarriesTheContentsItsEventsNameAndRestoresWithTheFull() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let first = try await Self.upload(server, alice.token, "first.txt", Data("first".utf8))
        let directory = NSTemporaryDirectory() + "causerie-files-increment-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Backups.full(server.server.store, blobs: server.server.blobs, to: directory + "/full.cbk")
        let second = try await Self.upload(server, alice.token, "second.txt", Data(String(repeating: "second ", count: 500).utf8))
        let increment = try Backups.incremental(server.server.store, blobs: server.server.blobs, since: directory + "/full.cbk",
                                                to: directory + "/inc.cbk")
        #expect(increment.kind == "incremental")
        #expect(try Backups.verify(directory + "/inc.cbk").blobs == 1)
        _ = try Backups.restore([directory + "/full.cbk", directory + "/inc.cbk"], into: directory + "/restored")
        let restored = try FileBlobStore(directory: directory + "/restored/blobs")
        for file in [first, second] {
            let hash = server.core.withState { $0.files[FileID(file)]!.blob.sha256 }
            #expect(restored.contains(hash))
            #expect(BlobAudit.contentHash(hash, in: restored)?.0 == hash)
        }
    }

    @Test func theComplianceExportListsFileTransfersWithNameSizeHashSenderAndConversation() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let body = try T.write(Data("budget 2027".utf8))
        let sent = try await T.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: T.chunk.merging([
            "Upload-Length": "11", "Upload-Metadata": T.metadata(["filename": "budget.txt", "area": "user:\(bob.user)"]),
        ]) { $1 }, bodyFile: body)
        #expect(sent.status == 201)
        var output = Data()
        let manifest = try Exports.run(server.server.store, .init(
            from: Date(timeIntervalSinceNow: -3600), to: Date(timeIntervalSinceNow: 3600), users: [UserID(bob.user)], format: .jsonl)) {
            output.append(contentsOf: $0)
        }
        let rows = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { try? JSONValue(parsing: Data($0.utf8)) }
        let row = try #require(rows.first { $0["kind"]?.string == "file.uploaded" })
        #expect(row["fileName"]?.string == "budget.txt" && row["fileSize"]?.int == 11 && row["actorName"]?.string == "alice")
        #expect(row["fileSHA256"]?.string == "066de7cf2916ae920de825d1a9e8de268d81f80fd2e047143b4ce467dd4cd6f6")
        #expect(row["roomName"]?.string == "Direct: alice & bob" || row["roomName"]?.string == "Direct: bob & alice")
        #expect(manifest.count >= 1)
    }

    /// `causerie export --with-files`: the contents the rows name, beside the export, by hash.
    @Test func anExportWithFilesCarriesTheContentsItsRowsName() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let content = Data(String(repeating: "procès-verbal ", count: 500).utf8)
        let body = try T.write(content)
        let sent = try await T.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: T.chunk.merging([
            "Upload-Length": "\(content.count)", "Upload-Metadata": T.metadata(["filename": "pv.txt", "area": "user:\(bob.user)"]),
        ]) { $1 }, bodyFile: body)
        #expect(sent.status == 201)
        let out = server.directory + "-export.jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: out + ".manifest.json")
            try? FileManager.default.removeItem(atPath: out + ".files")
        }
        let run = try await WebDAVTests.run(ProcessTests.executable.path, [
            "export", "--data", server.directory, "--from", "2020-01-01", "--to", "2100-01-01", "--out", out, "--with-files"])
        #expect(run.status == 0, "\(run.output)")
        var hasher = SHA256Hasher()
        hasher.update(Array(content))
        let sha = hasher.finalize()
        #expect(FileManager.default.contents(atPath: out + ".files/" + sha) == content)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: out + ".files"))?.count == 1)
        #expect((try? String(contentsOfFile: out, encoding: .utf8))?.contains(sha) == true)
        // Without --out there is nowhere to put them: refused plainly.
        let refused = try await WebDAVTests.run(ProcessTests.executable.path, [
            "export", "--data", server.directory, "--from", "2020-01-01", "--to", "2100-01-01", "--with-files"])
        #expect(refused.status != 0 && refused.output.contains("--with-files needs --out"))
    }

    @Test func contentNothingNamesIsCollectedAfterTheGraceAndTheCollectionLogged() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let kept = try await Self.upload(server, alice.token, "kept.txt", Data("kept".utf8))
        let gone = try await Self.upload(server, alice.token, "gone.txt", Data("gone".utf8))
        let again = try await Self.upload(server, alice.token, "again.txt", Data("again".utf8))
        let hashes = server.core.withState { state in [kept, gone, again].map { state.files[FileID($0)]!.blob.sha256 } }
        for file in [gone, again] {
            #expect(try await server.http("DELETE", "/api/v1/files/\(file)", token: alice.token).status == 200)
        }
        // Within the grace period nothing goes.
        let collector = BlobCollector(core: server.core, blobs: server.server.blobs, uploads: server.server.uploads)
        #expect(await collector.collect().count == 0)
        // "again" is uploaded anew (the same bytes): found, touched, named again — so kept.
        _ = try await Self.upload(server, alice.token, "again (new).txt", Data("again".utf8))
        var eager = collector
        eager.grace = 0
        let later = Timestamp.now().microseconds + 1
        let collected = await eager.collect(now: later)
        #expect(collected.count == 1 && collected.bytes == 4)
        #expect(server.server.blobs.contains(hashes[0]) && !server.server.blobs.contains(hashes[1]) && server.server.blobs.contains(hashes[2]))
        let orphans = server.core.withState { $0.files.orphans }
        #expect(orphans.isEmpty)
        // The collection is in the log.
        let head = try await server.core.store.head()
        let last = try await server.core.store.read(from: head.position, limit: 1)
        #expect(last.first?.type == BlobsCollected.tag)
        #expect(try await T.curl(server, "GET", "/api/v1/files/\(kept)", token: alice.token).body == Data("kept".utf8))
    }
}
