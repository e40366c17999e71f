import EventStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import Gateway
import Operations
import Projections
import Testing

@Suite("Backups and exports over HTTP", .serialized)
struct OperationsAPITests {
    @Test func administratorsDownloadBackupsAndExportsAndTheyAreLogged() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let alice = try await server.register("alice")
        _ = try await server.http("POST", "/api/v1/rooms/main/messages", token: alice.token, body: jsonText(["text": "a, \"quoted\" line"]))
        #expect(try await server.http("GET", "/api/v1/admin/backup", token: alice.token).status == 403)

        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/api/v1/admin/backup")!)
        request.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(data.prefix(8) == Data("CAUSBAK1".utf8))
        let path = server.directory + "-download.cbk"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.write(to: URL(fileURLWithPath: path))
        let verified = try Backups.verify(path)
        #expect(http.value(forHTTPHeaderField: "X-Causerie-Head")?.hasPrefix("\(verified.head.position):") == true)

        let today = ISO8601.format(Date().addingTimeInterval(-3600), timeZone: TimeZone(identifier: "UTC")!)
        let tomorrow = ISO8601.format(Date().addingTimeInterval(3600), timeZone: TimeZone(identifier: "UTC")!)
        var exportRequest = URLRequest(url: URL(string:
            "http://127.0.0.1:\(server.port)/api/v1/admin/export?from=\(today)&to=\(tomorrow)&format=csv&room=main")!)
        exportRequest.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
        let (csv, exportResponse) = try await URLSession.shared.data(for: exportRequest)
        let exportHTTP = try #require(exportResponse as? HTTPURLResponse)
        #expect(exportHTTP.statusCode == 200)
        #expect(String(decoding: csv, as: UTF8.self).contains("\"a, \"\"quoted\"\" line\""))
        let manifestText = try #require(exportHTTP.value(forHTTPHeaderField: "X-Causerie-Manifest"))
        let manifest = try JSONDecoder().decode(ExportManifest.self, from: try #require(Data(base64Encoded: manifestText)))
        var hasher = SHA256Hasher()
        hasher.update(Array(csv))
        #expect(manifest.sha256 == hasher.finalize())
        // Both were logged.
        let kinds = server.core.withState { state in state.position }
        #expect(kinds > verified.head.position)
        var logged: [String] = []
        try server.server.store.scan { record in
            if record.type == BackupTaken.tag { logged.append("backup") }
            if record.type == ExportTaken.tag { logged.append("export") }
            return true
        }
        #expect(logged == ["backup", "export"])
        // A refused request leaves nothing behind, and neither do the downloads once sent.
        #expect(try await server.http("GET", "/api/v1/admin/export?from=\(tomorrow)&to=\(today)", token: admin).status == 400)
        #expect(try await server.http("GET", "/api/v1/admin/export?from=\(today)&to=\(tomorrow)&format=pdf", token: admin).status == 400)
        #expect(try downloads(in: server.directory).isEmpty)
        await server.stop()
    }

    @Test func downloadsAbandonedByAStoppedServerAreRemovedAtStart() async throws {
        let first = try await TestServer.start()
        await first.stop()
        let leftover = first.directory + "/.download-\(UUID().uuidString).cbk"
        try Data("half a backup".utf8).write(to: URL(fileURLWithPath: leftover))
        let server = try await TestServer.start(directory: first.directory)
        defer { server.remove() }
        #expect(try downloads(in: server.directory).isEmpty)
        await server.stop()
    }

    private func downloads(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".download-") }
    }

    @Test func theCommandLineToolsLogTheirWorkThroughTheRunningServer() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        _ = try await server.register("alice")
        let path = server.directory + "-cli.cbk"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backup = Process()
        backup.executableURL = ProcessTests.executable
        backup.arguments = ["backup", "--data", server.directory, "--out", path]
        backup.standardOutput = FileHandle.nullDevice
        try backup.run()
        backup.waitUntilExit()
        #expect(backup.terminationStatus == 0)
        // The server appends the spooled event within a few seconds.
        var logged = false
        for _ in 0..<50 where !logged {
            try await Task.sleep(for: .milliseconds(200))
            try server.server.store.scan { record in
                if record.type == BackupTaken.tag { logged = true }
                return !logged
            }
        }
        #expect(logged)
        // Then the spooled file is removed (just after the append returns).
        func spoolEmpty() -> Bool { (try? FileManager.default.contentsOfDirectory(atPath: server.directory + "/spool"))?.isEmpty ?? true }
        for _ in 0..<50 where !spoolEmpty() { try await Task.sleep(for: .milliseconds(100)) }
        #expect(spoolEmpty())
        await server.stop()
    }
}
