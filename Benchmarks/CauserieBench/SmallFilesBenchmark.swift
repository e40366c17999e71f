import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `causerie-bench small-files`: a folder of many small files sent to the general room as the
/// web client sends one (an upload per file, then one shared folder naming them), end to end:
/// from the first upload to the folder's event, every file durable before its upload is
/// answered. Driven by curl (`--parallel`, one process, as a browser keeps a few connections
/// busy), side by side with the limit — `cp -r` of the same folder on the same disk and one
/// `sync` of the filesystem after it (the cheapest way to make 10,000 files durable).
struct SmallFilesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "small-files", abstract: "A folder of many small files sent to a room, files per second, against cp -r + sync.")

    @Option(help: "Files in the folder.") var count: Int = 10_000
    @Option(help: "Size of each file in KiB.") var sizeKb: Int = 4
    @Option(help: "Uploads in flight at once.") var parallel: Int = 8
    @Option(help: "Parent directory for the store and the files (the same disk for both).") var directory: String?

    struct Report: Encodable {
        var bench = "small-files"
        var files: Int
        var size_kb: Int
        var parallel: Int
        var limit_files_per_s: Double
        var files_per_s: Double
        var ratio_to_limit: Double
        var uploads_seconds: Double
        var share_seconds: Double
    }

    func run() async throws {
        let root = Measure.scratchDirectory("small-files", under: directory)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/folder"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        Measure.note("writing \(count) files of \(sizeKb) KiB…")
        var random = FastRandom()
        for index in 0..<count {
            try Data(random.bytes(sizeKb << 10)).write(to: URL(fileURLWithPath: "\(folder)/f\(index).bin"))
        }
        try FilesBenchmark.shell("sync")

        let limitSeconds = try FilesBenchmark.time { try FilesBenchmark.shell("cp -r '\(folder)' '\(root)/copy' && sync -f '\(root)/copy'") }
        // The copy stays until the end: ext4 skips inodes freed in the last 30 s when it allocates
        // new ones, and 10,000 just freed made every file the server created that much slower.
        let limit = Double(count) / limitSeconds
        Measure.note("limit: cp -r + sync \(Measure.round(limit, 0)) files/s")

        let server = try ServerProcess(directory: root + "/store")
        defer { server.stop() }
        try await server.waitReady()
        let base = "http://127.0.0.1:\(server.port)"
        let token = try await FilesBenchmark.register(base)

        // One curl section per file: creation-with-upload (the whole file in the POST), and
        // the upload's location written out beside the file's path.
        var config = ""
        for index in 0..<count {
            if index > 0 { config += "next\n" }
            let name = Data("f\(index).bin".utf8).base64EncodedString()
            let area = Data("room:main".utf8).base64EncodedString()
            config += """
                url = "\(base)/api/v1/uploads"
                request = "POST"
                header = "Authorization: Bearer \(token)"
                header = "Tus-Resumable: 1.0.0"
                header = "Upload-Length: \(sizeKb << 10)"
                header = "Upload-Metadata: filename \(name),area \(area),part \(Data("1".utf8).base64EncodedString())"
                header = "Content-Type: application/offset+octet-stream"
                data-binary = "@\(folder)/f\(index).bin"
                output = "/dev/null"
                write-out = "f\(index).bin %{http_code} %header{upload-offset} %header{location}\\n"

                """
        }
        try config.write(toFile: root + "/curl.conf", atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let written = try FilesBenchmark.shell("curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max \(parallel) -K '\(root)/curl.conf'")
        let uploaded = ContinuousClock.now
        var parts: [[String: String]] = []
        for line in written.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[1] == "201", fields[2] == "\(sizeKb << 10)" else { throw BenchError("an upload failed: \(line)") }
            parts.append(["upload": String(fields[3].split(separator: "/").last ?? ""), "path": String(fields[0])])
        }
        guard parts.count == count else { throw BenchError("\(parts.count) of \(count) uploads answered") }
        var request = URLRequest(url: URL(string: base + "/api/v1/files/shared-folders")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["area": "room:main", "name": "tree", "uploads": parts])
        let (_, response) = try await URLSession.shared.data(for: request)
        let shared = ContinuousClock.now
        guard (response as? HTTPURLResponse)?.statusCode == 201 else {
            throw BenchError("the folder was refused: \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        // The folder holds every file.
        let listing = try FilesBenchmark.shell("curl -s -H 'Authorization: Bearer \(token)' '\(base)/api/v1/files?area=room:main&folder=tree'")
        guard let json = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any],
              let files = json["files"] as? [[String: Any]], files.count == count
        else { throw BenchError("the shared folder does not list \(count) files: \(listing.prefix(300))") }

        let total = Measure.seconds(shared - started)
        let rate = Double(count) / total
        Measure.note("\(count) files in \(Measure.round(total, 2)) s: \(Measure.round(rate, 0)) files/s (uploads "
            + "\(Measure.round(Measure.seconds(uploaded - started), 2)) s, folder \(Measure.round(Measure.seconds(shared - uploaded), 2)) s)")
        try Measure.report(Report(files: count, size_kb: sizeKb, parallel: parallel, limit_files_per_s: Measure.round(limit, 0),
                                  files_per_s: Measure.round(rate, 0), ratio_to_limit: Measure.round(rate / limit, 3),
                                  uploads_seconds: Measure.round(Measure.seconds(uploaded - started), 3),
                                  share_seconds: Measure.round(Measure.seconds(shared - uploaded), 3)))
    }
}
