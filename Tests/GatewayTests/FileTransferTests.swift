import Foundation
import Operations
import Projections
import Crypto
@testable import Gateway
import Testing

/// Files over real sockets with curl (a real HTTP client): tus uploads that resume, downloads with
/// ranges and safe headers, rights, quotas and hostile input.
@Suite("Files over HTTP", .serialized)
struct FileTransferTests {
    struct CurlResult {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    /// Runs curl and returns the final response's status, headers (lower-case names) and body.
    /// Waits without holding a thread: the server under test runs in this process, on the same
    /// small pool of threads (two on a two-core machine).
    static func curl(_ server: TestServer, _ method: String, _ path: String, token: String?, headers: [String: String] = [:],
                     bodyFile: String? = nil) async throws -> CurlResult {
        let directory = NSTemporaryDirectory() + "curl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = ["-s", "--path-as-is", "-X", method, "-D", "\(directory)/h", "-o", "\(directory)/b", "--max-time", "30"]
        if method == "HEAD" { arguments = ["-s", "-I", "-D", "\(directory)/h", "-o", "\(directory)/b", "--max-time", "30"] }
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if let bodyFile { arguments += ["--data-binary", "@\(bodyFile)"] }
        arguments.append("http://127.0.0.1:\(server.port)\(path)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let head = (try? String(contentsOfFile: "\(directory)/h", encoding: .utf8)) ?? ""
        var status = 0
        var fields: [String: String] = [:]
        for line in head.split(separator: "\r\n") {
            if line.hasPrefix("HTTP/") {
                status = Int(line.split(separator: " ")[1]) ?? 0
                fields = [:]
            } else if let colon = line.firstIndex(of: ":") {
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return CurlResult(status: status, headers: fields, body: FileManager.default.contents(atPath: "\(directory)/b") ?? Data())
    }

    static func write(_ data: Data) throws -> String {
        let path = NSTemporaryDirectory() + "part-" + UUID().uuidString
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func metadata(_ pairs: [String: String]) -> String {
        pairs.sorted { $0.key < $1.key }.map { "\($0.key) \(Data($0.value.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    static let tus = ["Tus-Resumable": "1.0.0"]
    static let chunk = ["Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream"]

    @Test func aFileSentToSomeoneOfflineResumesAfterADropAndDownloadsWithRanges() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        var content = Data(count: 300_000)
        for i in 0..<content.count { content[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }

        // Created before a byte is sent: Bob has never chatted with Alice and is not connected.
        let created = try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: Self.tus.merging([
            "Upload-Length": "\(content.count)",
            "Upload-Metadata": Self.metadata(["filename": "Résumé 2026.bin", "area": "user:\(bob.user)"]),
        ]) { $1 })
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let location = try #require(created.headers["location"])
        #expect(created.headers["upload-offset"] == "0" && created.headers["tus-resumable"] == "1.0.0")

        // The first third arrives, then the connection "drops"; a retry at a stale offset is refused.
        let first = try Self.write(content[0..<100_000])
        let patched = try await Self.curl(server, "PATCH", location, token: alice.token, headers: Self.chunk.merging(["Upload-Offset": "0"]) { $1 },
                                    bodyFile: first)
        #expect(patched.status == 204 && patched.headers["upload-offset"] == "100000")
        #expect(try await Self.curl(server, "PATCH", location, token: alice.token, headers: Self.chunk.merging(["Upload-Offset": "0"]) { $1 },
                              bodyFile: first).status == 409)
        // Someone else cannot even see the upload.
        #expect(try await Self.curl(server, "HEAD", location, token: carol.token, headers: Self.tus).status == 404)
        let head = try await Self.curl(server, "HEAD", location, token: alice.token, headers: Self.tus)
        #expect(head.status == 200 && head.headers["upload-offset"] == "100000" && head.headers["cache-control"] == "no-store")
        let rest = try Self.write(content[100_000...])
        let done = try await Self.curl(server, "PATCH", location, token: alice.token,
                                 headers: Self.chunk.merging(["Upload-Offset": "100000"]) { $1 }, bodyFile: rest)
        #expect(done.status == 204 && done.headers["upload-offset"] == "300000")
        let file = try #require(done.headers["x-causerie-file"])

        // Bob, connecting later, finds it in the conversation's history, and downloads it.
        let dm = "dm_" + [alice.user, bob.user].sorted().joined(separator: "_")
        let history = try await server.http("GET", "/api/v1/rooms/\(dm)/messages", token: bob.token)
        let item = history.body["items"]?.array.first { $0["kind"]?.string == "file.uploaded" }
        #expect(item?["file"]?.string == file && item?["size"]?.int == 300_000 && item?["name"]?.string == "Résumé 2026.bin")
        let whole = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token)
        #expect(whole.status == 200 && whole.body == content)
        #expect(whole.headers["content-disposition"] == "attachment; filename=\"R_sum_ 2026.bin\"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.bin")
        #expect(whole.headers["x-content-type-options"] == "nosniff")
        #expect(whole.headers["content-security-policy"]?.hasPrefix("sandbox") == true)
        #expect(whole.headers["content-type"] == "application/octet-stream")
        let etag = try #require(whole.headers["etag"])

        let part = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token, headers: ["Range": "bytes=1000-1999"])
        #expect(part.status == 206 && part.body == content[1000..<2000] && part.headers["content-range"] == "bytes 1000-1999/300000")
        let tail = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token, headers: ["Range": "bytes=-10"])
        #expect(tail.status == 206 && tail.body == content[(300_000 - 10)...])
        let stale = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token,
                                  headers: ["Range": "bytes=0-9", "If-Range": "\"other\""])
        #expect(stale.status == 200 && stale.body.count == 300_000)
        let fresh = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token, headers: ["Range": "bytes=0-9", "If-Range": etag])
        #expect(fresh.status == 206 && fresh.body.count == 10)
        let beyond = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token, headers: ["Range": "bytes=300000-"])
        #expect(beyond.status == 416 && beyond.headers["content-range"] == "bytes */300000")
        #expect(try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: bob.token, headers: ["If-None-Match": etag]).status == 304)

        // Carol may not read it, and cannot tell it exists: the same 404 as an unknown id.
        let refused = try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: carol.token)
        let unknown = try await Self.curl(server, "GET", "/api/v1/files/f_doesnotexist", token: carol.token)
        #expect(refused.status == 404 && refused.body == unknown.body)
        #expect(try await Self.curl(server, "GET", "/api/v1/files/\(file)", token: nil).status == 401)
    }

    @Test func identicalContentIsStoredOnceTextCompressedAndImagesShownInlineOnly() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let text = Data(String(repeating: "Le compte rendu de la réunion du lundi. ", count: 3000).utf8)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(count: 2000)
        var ids: [String] = []
        for (name, data) in [("notes.txt", text), ("copy of notes.txt", text), ("photo.txt", png)] {
            let body = try Self.write(data)
            // creation-with-upload: the whole file in the POST.
            let result = try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: Self.chunk.merging([
                "Upload-Length": "\(data.count)", "Upload-Metadata": Self.metadata(["filename": name]),
            ]) { $1 }, bodyFile: body)
            #expect(result.status == 201 && result.headers["upload-offset"] == "\(data.count)")
            ids.append(try #require(result.headers["x-causerie-file"]))
        }
        let blobs = FileManager.default.enumerator(atPath: server.directory + "/blobs/sha256")?.allObjects.compactMap { $0 as? String }
            .filter { $0.count > 60 } ?? []
        #expect(blobs.count == 2, "\(blobs)")
        #expect(blobs.contains { $0.hasSuffix(".zst") })
        let notes = try await Self.curl(server, "GET", "/api/v1/files/\(ids[1])", token: alice.token)
        #expect(notes.body == text && notes.headers["content-type"] == "text/plain; charset=utf-8")
        let middle = try await Self.curl(server, "GET", "/api/v1/files/\(ids[0])", token: alice.token, headers: ["Range": "bytes=50000-50099"])
        #expect(middle.status == 206 && middle.body == text[50_000..<50_100])
        // The PNG is an image by its bytes, whatever its name says; text never goes inline.
        let image = try await Self.curl(server, "GET", "/api/v1/files/\(ids[2])?inline=1", token: alice.token)
        #expect(image.headers["content-type"] == "image/png" && image.headers["content-disposition"]?.hasPrefix("inline;") == true)
        let notInline = try await Self.curl(server, "GET", "/api/v1/files/\(ids[0])?inline=1", token: alice.token)
        #expect(notInline.headers["content-disposition"]?.hasPrefix("attachment;") == true)
        let listing = try await server.http("GET", "/api/v1/files?area=personal", token: alice.token)
        #expect(listing.body["files"]?.array.map { $0["name"]?.string ?? "" } == ["copy of notes.txt", "notes.txt", "photo.txt"])
        #expect(listing.body["files"]?.array.last?["mediaType"]?.string == "image/png")
    }

    /// The browser's links and previews carry a read key instead of the header: it opens only
    /// downloads, only of what its user may read, only while the session lives and until it expires.
    @Test func readKeysOpenDownloadsOnlyForTheirSessionsRights() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let carol = try await server.register("carol")
        let body = try Self.write(Data("minutes of the meeting".utf8))
        let sent = try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: Self.chunk.merging([
            "Upload-Length": "22", "Upload-Metadata": Self.metadata(["filename": "minutes.txt"]),
        ]) { $1 }, bodyFile: body)
        let file = try #require(sent.headers["x-causerie-file"])
        let issued = try await server.http("GET", "/api/v1/files/key", token: alice.token)
        let key = try #require(issued.body["key"]?.string)
        #expect(issued.status == 200 && (issued.body["expires"]?.int ?? 0) > Int(Date().timeIntervalSince1970 * 1000) + 11 * 3_600_000)
        let escaped = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
        let opened = try await Self.curl(server, "GET", "/api/v1/files/\(file)?key=\(escaped)", token: nil)
        #expect(opened.status == 200 && opened.body == Data("minutes of the meeting".utf8))

        // Only downloads: a listing with the key is a request without credentials.
        #expect(try await Self.curl(server, "GET", "/api/v1/files?area=personal&key=\(escaped)", token: nil).status == 401)
        #expect(try await Self.curl(server, "GET", "/api/v1/files/usage", token: nil).status == 401)
        // Carol's key does not open Alice's personal file: the same 404 as for anything unknown.
        let carolKey = try #require(try await server.http("GET", "/api/v1/files/key", token: carol.token).body["key"]?.string)
        #expect(try await Self.curl(server, "GET", "/api/v1/files/\(file)?key=\(carolKey)", token: nil).status == 404)
        // Altered, truncated, stretched in time, or made by another server: refused.
        var parts = key.split(separator: ".").map(String.init)
        let later = [String(Int(parts[0])! + 3600), parts[1], parts[2]].joined(separator: ".")
        parts[2] = String(parts[2].reversed())
        let forged = FileReadKeys(key: .init(size: .bits256)).issue(session: key.split(separator: ".")[1].description).key
        for bad in [parts.joined(separator: "."), String(key.dropLast()), later, forged, "x", ""] {
            let answer = try await Self.curl(server, "GET", "/api/v1/files/\(file)?key=\(bad)", token: nil)
            #expect(answer.status == 401, "\(bad): \(answer.status)")
        }
        let expired = FileReadKeys(key: .init(size: .bits256))
        #expect(expired.session(of: expired.issue(session: String(repeating: "a", count: 64), now: 1_000).key, now: 1_000 + FileReadKeys.lifetime) == nil)
        #expect(expired.session(of: expired.issue(session: String(repeating: "a", count: 64), now: 1_000).key, now: 1_001) != nil)
        // A logout ends the session, and its key with it.
        #expect(try await server.http("POST", "/api/v1/logout", token: alice.token).status == 200)
        #expect(try await Self.curl(server, "GET", "/api/v1/files/\(file)?key=\(escaped)", token: nil).status == 401)
    }

    @Test func sizesQuotasHostileNamesAndLiesAreRefusedBeforeTheBody() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        #expect(try await server.http("PUT", "/api/v1/admin/files/limits", token: admin,
                                      body: jsonText(["defaultQuota": 1_000_000, "maxFileSize": 0])).status == 200)
        #expect(try await server.http("PUT", "/api/v1/admin/files/limits", token: alice.token,
                                      body: jsonText(["defaultQuota": 1, "maxFileSize": 0])).status == 403)
        func create(_ length: Int, _ meta: [String: String], headers: [String: String] = Self.tus) async throws -> CurlResult {
            try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: headers.merging([
                "Upload-Length": "\(length)", "Upload-Metadata": Self.metadata(meta)]) { $1 })
        }
        let tooBig = try await create(2_000_000, ["filename": "big.iso"])
        #expect(tooBig.status == 413 && String(decoding: tooBig.body, as: UTF8.self).contains("\"quota\""))
        for (name, reason) in [("../../etc/passwd", "name:separator"), ("..", "name:dots"), ("CON", "name:reserved"),
                               ("a\u{0}b", "name:control"), ("x:y", "name:windowsCharacter")] {
            let refused = try await create(10, ["filename": name])
            #expect(refused.status == 400 && String(decoding: refused.body, as: UTF8.self).contains(reason), "\(name)")
        }
        // The header's number goes through the same checked conversion as every number from outside.
        for (length, reason) in [("-1", "out_of_range:upload_length"), ("1e3", "wrong_type:upload_length"),
                                 ("9223372036854775808", "out_of_range:upload_length"),
                                 (String(repeating: "9", count: 5000), "out_of_range:upload_length"), ("12abc", "wrong_type:upload_length")] {
            let refused = try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: Self.tus.merging([
                "Upload-Length": length, "Upload-Metadata": Self.metadata(["filename": "a.txt"])]) { $1 })
            #expect(refused.status == 400 && String(decoding: refused.body, as: UTF8.self).contains(reason), "\(length.prefix(20)): \(refused.status)")
        }
        let traversal = try await create(10, ["filename": "a.txt", "folder": "../x"])
        #expect(traversal.status == 400)
        #expect(try await create(10, ["filename": "a.txt"], headers: [:]).status == 412)
        #expect(try await create(10, ["filename": "a.txt", "area": "room:nowhere"]).status == 404)

        // Announcing 10 bytes and sending 20: nothing of it is kept.
        let liar = try await create(10, ["filename": "small.txt"])
        let location = try #require(liar.headers["location"])
        let twenty = try Self.write(Data(repeating: 65, count: 20))
        let sent = try await Self.curl(server, "PATCH", location, token: alice.token, headers: Self.chunk.merging(["Upload-Offset": "0"]) { $1 },
                                 bodyFile: twenty)
        #expect(sent.status == 413)
        #expect(try await Self.curl(server, "HEAD", location, token: alice.token, headers: Self.tus).headers["upload-offset"] == "0")
        // Terminated uploads are gone.
        #expect(try await Self.curl(server, "DELETE", location, token: alice.token, headers: Self.tus).status == 204)
        #expect(try await Self.curl(server, "HEAD", location, token: alice.token, headers: Self.tus).status == 404)

        // A folder: its files uploaded as parts, then one event naming them all.
        var parts: [[String: String]] = []
        for (path, text) in [("a.txt", "first"), ("sub/b.txt", "second")] {
            let body = try Self.write(Data(text.utf8))
            let result = try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: Self.chunk.merging([
                "Upload-Length": "\(text.utf8.count)", "Upload-Metadata": Self.metadata(["filename": path, "part": "1"]),
            ]) { $1 }, bodyFile: body)
            #expect(result.status == 201 && result.headers["x-causerie-file"] == nil)
            let id = try #require(result.headers["location"]?.split(separator: "/").last.map(String.init))
            parts.append(["upload": id, "path": path])
        }
        let shared = try await server.http("POST", "/api/v1/files/shared-folders", token: alice.token, body: jsonText([
            "area": "personal", "name": "Projets", "uploads": parts, "emptyFolders": ["vide"]]))
        #expect(shared.status == 201, "\(shared.body)")
        let inside = try await server.http("GET", "/api/v1/files?area=personal&folder=Projets", token: alice.token)
        #expect(inside.body["folders"]?.array.map { $0.string ?? "" } == ["sub", "vide"])
        #expect(inside.body["files"]?.array.first?["name"]?.string == "a.txt")
        let usage = try await server.http("GET", "/api/v1/files/usage", token: alice.token)
        #expect(usage.body["used"]?.int == 11 && usage.body["quota"]?.int == 1_000_000)
        // Rename, move into a folder, delete: each an event; the usage follows.
        let file = try #require(inside.body["files"]?.array.first?["id"]?.string)
        #expect(try await server.http("PATCH", "/api/v1/files/\(file)", token: alice.token, body: jsonText(["name": "CON"])).status == 400)
        #expect(try await server.http("PATCH", "/api/v1/files/\(file)", token: alice.token,
                                      body: jsonText(["name": "premier.txt", "folder": "Projets/vide"])).status == 200)
        let moved = try await server.http("GET", "/api/v1/files?area=personal&folder=Projets/vide", token: alice.token)
        #expect(moved.body["files"]?.array.first?["name"]?.string == "premier.txt")
        #expect(try await server.http("DELETE", "/api/v1/files/folders?area=personal&path=Projets", token: alice.token).status == 200)
        #expect(try await server.http("GET", "/api/v1/files/usage", token: alice.token).body["used"]?.int == 0)
    }

    /// A folder's parts stay staged (hashed) until the folder is shared, then go into the store
    /// together: identical parts once, text compressed. A part whose unsynced bytes a crash cut
    /// short refuses the folder (409), says where to resume, and the folder is shared once resent.
    @Test func aFolderIsStoredWhenSharedAndAPartCutByACrashIsResent() async throws {
        var server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let text = String(repeating: "Le compte rendu de la réunion. ", count: 40)
        let contents = [("notes.txt", Data(text.utf8)), ("copie/notes.txt", Data(text.utf8)), ("data.bin", Data((0..<3000).map { UInt8($0 % 251) }))]
        var parts: [[String: String]] = []
        for (path, content) in contents {
            let body = try Self.write(content)
            let result = try await Self.curl(server, "POST", "/api/v1/uploads", token: alice.token, headers: Self.chunk.merging([
                "Upload-Length": "\(content.count)", "Upload-Metadata": Self.metadata(["filename": path, "part": "1"]),
            ]) { $1 }, bodyFile: body)
            #expect(result.status == 201 && result.headers["upload-offset"] == "\(content.count)")
            parts.append(["upload": try #require(result.headers["location"]?.split(separator: "/").last.map(String.init)), "path": path])
        }
        func stored() -> [String] {
            (FileManager.default.enumerator(atPath: server.directory + "/blobs/sha256")?.allObjects as? [String] ?? [])
                .filter { $0.split(separator: "/").count == 3 }
        }
        let staging = server.directory + "/blobs/staging/"
        #expect(stored().isEmpty, "parts are stored with their folder: \(stored())")
        #expect(parts.allSatisfy { FileManager.default.fileExists(atPath: staging + $0["upload"]!) })

        // A crash before the folder was shared: the last part's bytes were never synced.
        await server.stop()
        let cut = try #require(parts.last?["upload"])
        #expect(truncate(staging + cut, 1000) == 0)
        server = try await TestServer.start(directory: server.directory)
        let refused = try await server.http("POST", "/api/v1/files/shared-folders", token: alice.token, body: jsonText([
            "area": "personal", "name": "Réunion", "uploads": parts]))
        #expect(refused.status == 409 && refused.body["reason"]?.string == "upload_incomplete", "\(refused.body)")
        let location = "/api/v1/uploads/\(cut)"
        #expect(try await Self.curl(server, "HEAD", location, token: alice.token, headers: Self.tus).headers["upload-offset"] == "1000")
        let rest = try Self.write(contents[2].1[1000...])
        #expect(try await Self.curl(server, "PATCH", location, token: alice.token, headers: Self.chunk.merging(["Upload-Offset": "1000"]) { $1 },
                                    bodyFile: rest).status == 204)
        let shared = try await server.http("POST", "/api/v1/files/shared-folders", token: alice.token, body: jsonText([
            "area": "personal", "name": "Réunion", "uploads": parts]))
        #expect(shared.status == 201, "\(shared.body)")
        // Two contents, the text compressed; nothing left staged; every file reads back.
        #expect(stored().count == 2 && stored().contains { $0.hasSuffix(".zst") }, "\(stored())")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).isEmpty)
        for (path, content) in contents {
            let folder = path.contains("/") ? "Réunion/copie" : "Réunion"
            let listing = try await server.http("GET", "/api/v1/files?area=personal&folder=\(folder.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                                token: alice.token)
            let name = String(path.split(separator: "/").last!)
            let id = try #require(listing.body["files"]?.array.first { $0["name"]?.string == name }?["id"]?.string, "\(listing.body)")
            #expect(try await Self.curl(server, "GET", "/api/v1/files/\(id)", token: alice.token).body == content)
        }
        await server.stop()
    }

    /// Upload records are lines of one journal: read back after a restart (a line a crash cut
    /// short skipped), records of earlier versions (a file each) folded in, counts kept per user.
    @Test func uploadRecordsAreAJournalReadBackAfterARestart() throws {
        let directory = NSTemporaryDirectory() + "uploads-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let blobs = try FileBlobStore(directory: directory + "/blobs")
        func upload(_ id: String, owner: String, length: UInt64) -> UploadRegistry.Upload {
            .init(id: id, owner: owner, length: length, area: "personal", folder: "", name: id, part: false, file: "f" + id,
                  overwrite: false, created: 1)
        }
        try FileManager.default.createDirectory(atPath: directory + "/uploads", withIntermediateDirectories: true)
        try JSONEncoder().encode(upload("old", owner: "ubob", length: 7)).write(to: URL(fileURLWithPath: directory + "/uploads/old.json"))
        var registry = try UploadRegistry(directory: directory + "/uploads", blobs: blobs)
        #expect(registry["old"]?.length == 7 && !FileManager.default.fileExists(atPath: directory + "/uploads/old.json"))
        try registry.save(upload("a", owner: "ualice", length: 10))
        try registry.save(upload("b", owner: "ualice", length: 20))
        var done = upload("b", owner: "ualice", length: 20)
        done.blob = "00"
        try registry.save(done)
        registry.remove("old")
        #expect(registry.count(of: UserID("ualice")) == 1 && registry.pending(of: UserID("ualice")) == 10)
        // A crash in the middle of a line.
        let journal = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/uploads/uploads.log"))
        try journal.seekToEnd()
        try journal.write(contentsOf: Data(#"{"upload":{"id":"c","own"#.utf8))
        try journal.close()
        registry = try UploadRegistry(directory: directory + "/uploads", blobs: blobs)
        #expect(registry["old"] == nil && registry["c"] == nil && registry["b"]?.blob == "00")
        #expect(registry.count(of: UserID("ualice")) == 1 && registry.pending(of: UserID("ualice")) == 10)
        #expect(registry.count(of: UserID("ubob")) == 0)
    }
}
