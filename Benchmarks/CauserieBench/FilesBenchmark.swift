import ArgumentParser
import Fixtures
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `causerie-bench files`: one large file up and down through each door (HTTP/tus, WebDAV, FTP),
/// driven by curl (one fast C client for all three), side by side in one run with the limit —
/// `cp` then fsync of the same file on the same disk for uploads (Causerie's are durable and
/// hashed before they are acknowledged), measured just before each door's upload with the disk
/// quiet (this machine's disk varies by half from minute to minute), `cat` to /dev/null for
/// downloads — with nginx (Debian) serving the same file for HTTP downloads, and vsftpd (Debian)
/// taking and serving it over FTP (its upload timed to the 226 reply, and to the file's fsync
/// after it: vsftpd does not sync). The server's own memory (RssAnon) is sampled during the
/// transfers: flat means streamed.
struct FilesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "A large file up and down over HTTP, WebDAV and FTP against cp+fsync and nginx.")

    @Option(help: "File size in MiB.") var sizeMb: Int = 1024
    @Option(help: "Parent directory for the store and the files (the same disk for all).") var directory: String?
    @Flag(help: "Skip nginx and vsftpd (they need root to install them from Debian).") var noPeer = false

    struct Run: Encodable {
        var door: String
        var dir: String
        var mb_per_s: Double
        var ratio_to_limit: Double
        var ratio_to_peer: Double?
        /// Uploads: the cp+fsync measured just before this one.
        var limit_mb_per_s: Double?
        /// FTP up: against vsftpd doing the same work (its upload, its fsync, then `openssl dgst -sha256` of
        /// the file: Causerie hashes what it stores; vsftpd does not).
        var ratio_to_peer_same_work: Double?
    }

    struct Report: Encodable {
        var bench = "files"
        var size_mb: Int
        var limit_up_mb_per_s: Double
        var limit_down_mb_per_s: Double
        var nginx_down_mb_per_s: Double?
        var vsftpd_up_mb_per_s: Double?
        var vsftpd_up_synced_mb_per_s: Double?
        var vsftpd_up_synced_hashed_mb_per_s: Double?
        var vsftpd_down_mb_per_s: Double?
        var server_anon_mb_before: Double
        var server_anon_mb_peak: Double
        var runs: [Run]
    }

    func run() async throws {
        let root = Measure.scratchDirectory("files", under: directory)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = root + "/source.bin"
        let bytes = sizeMb << 20
        Measure.note("writing a \(sizeMb) MiB file of random bytes…")
        try Self.writeRandom(source, bytes: bytes)
        let megabytes = Double(bytes) / 1_000_000

        try Self.shell("sync")
        // The limit: the same bytes copied on the same disk and made durable (before each upload,
        // the disk quiet); read back.
        func limitUp(_ file: String) throws -> Double {
            let copy = root + "/copy.bin"
            let seconds = try Self.time { try Self.shell("cp '\(file)' '\(copy)' && sync -d '\(copy)'") }
            try Self.shell("rm -f '\(copy)' && sync")
            return megabytes / seconds
        }
        let limitDown = megabytes / (try Self.time { try Self.shell("cat '\(source)' > /dev/null") })
        Measure.note("limit: cat \(Measure.round(limitDown, 1)) MB/s")

        var nginxDown: Double?
        var vsftpd: (up: Double, synced: Double, hashed: Double, down: Double)?
        if !noPeer {
            let nginx = try NginxPeer(root: root)
            defer { nginx.stop() }
            try await nginx.waitReady()
            nginxDown = megabytes / (try Self.time { try Self.shell("curl -s -o /dev/null http://127.0.0.1:\(nginx.port)/source.bin") })
            Measure.note("nginx download \(Measure.round(nginxDown ?? 0, 1)) MB/s")
            let ftp = try VsftpdPeer(root: root, source: source)
            defer { ftp.stop() }
            try await ftp.waitReady()
            let file = root + "/up-vsftpd.bin"
            try Self.shell("cp '\(source)' '\(file)' && sync")
            let limit = try limitUp(file)
            let received = ftp.directory + "/up/vsftpd.bin"
            var up = 0.0
            let synced = try Self.time {
                up = try Self.time { try Self.shell("curl -s -f -T '\(file)' ftp://127.0.0.1:\(ftp.port)/up/vsftpd.bin") }
                try Self.shell("sync -d '\(received)'")
            }
            let hashing = try Self.time { try Self.shell("openssl dgst -sha256 '\(received)' > /dev/null") }
            let down = try Self.time { try Self.shell("curl -s -f -o /dev/null ftp://127.0.0.1:\(ftp.port)/source.bin") }
            vsftpd = (megabytes / up, megabytes / synced, megabytes / (synced + hashing), megabytes / down)
            try Self.shell("rm -f '\(file)' '\(received)' && sync")
            Measure.note("vsftpd: up \(Measure.round(megabytes / up, 1)) MB/s (\(Measure.round(megabytes / synced, 1)) with its fsync; "
                + "cp+fsync \(Measure.round(limit, 1))), down \(Measure.round(megabytes / down, 1)) MB/s")
        }

        let ftpPort = try LocalPort.free()
        let server = try ServerProcess(directory: root + "/store", configuration: [
            "allowPlainPasswords": true, "ftpPort": ftpPort,
        ])
        defer { server.stop() }
        try await server.waitReady()
        let base = "http://127.0.0.1:\(server.port)"
        let token = try await Self.register(base)
        let before = Double(server.anonymousBytes) / 1_048_576
        let peak = PeakSampler(server)
        peak.start()
        var runs: [Run] = []
        var limits: [Double] = []
        func record(_ door: String, _ dir: String, _ seconds: Double, limit: Double, peer: Double? = nil, sameWork: Double? = nil) {
            let rate = megabytes / seconds
            runs.append(Run(door: door, dir: dir, mb_per_s: Measure.round(rate, 1),
                            ratio_to_limit: Measure.round(rate / limit, 3),
                            ratio_to_peer: peer.map { Measure.round(rate / $0, 3) },
                            limit_mb_per_s: dir == "up" ? Measure.round(limit, 1) : nil,
                            ratio_to_peer_same_work: sameWork.map { Measure.round(rate / $0, 3) }))
            Measure.note("\(door) \(dir): \(Measure.round(rate, 1)) MB/s (limit \(Measure.round(limit, 1)))")
        }
        // Each door uploads different bytes (the store keeps identical content once).
        let auth = "-u bench:bench-password-1"
        for (index, door) in ["http", "webdav", "ftp"].enumerated() {
            let file = root + "/up-\(door).bin"
            try Self.shell("cp '\(source)' '\(file)' && printf '\(door)-\(index)' | dd of='\(file)' conv=notrunc status=none && sync")
            let limit = try limitUp(file)
            limits.append(limit)
            let seconds: Double
            switch door {
            case "http":
                let location = try Self.shell("curl -s -D - -o /dev/null -X POST -H 'Authorization: Bearer \(token)' -H 'Tus-Resumable: 1.0.0' "
                    + "-H 'Upload-Length: \(bytes)' -H 'Upload-Metadata: filename \(Data("big-http.bin".utf8).base64EncodedString())' \(base)/api/v1/uploads"
                    + " | tr -d '\\r' | sed -n 's/^[Ll]ocation: //p'").trimmingCharacters(in: .whitespacesAndNewlines)
                guard !location.isEmpty else { throw BenchError("no upload location") }
                seconds = try Self.time {
                    try Self.shell("curl -s -f -o /dev/null -X PATCH -T '\(file)' -H 'Authorization: Bearer \(token)' -H 'Tus-Resumable: 1.0.0' "
                        + "-H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \(base)\(location)")
                }
            case "webdav":
                seconds = try Self.time { try Self.shell("curl -s -f -o /dev/null \(auth) -T '\(file)' \(base)/dav/Personal/big-webdav.bin") }
            default:
                seconds = try Self.time { try Self.shell("curl -s -f \(auth) -T '\(file)' ftp://127.0.0.1:\(ftpPort)/Personal/big-ftp.bin") }
            }
            record(door, "up", seconds, limit: limit, peer: door == "ftp" ? vsftpd?.synced : nil, sameWork: door == "ftp" ? vsftpd?.hashed : nil)
            try Self.shell("rm -f '\(file)' && sync")
        }
        let listing = try Self.shell("curl -s -H 'Authorization: Bearer \(token)' '\(base)/api/v1/files?area=personal'")
        guard let data = listing.data(using: .utf8), let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = json["files"] as? [[String: Any]], let http = files.first(where: { $0["name"] as? String == "big-http.bin" })?["id"] as? String
        else { throw BenchError("the uploaded file is not listed: \(listing.prefix(300))") }
        record("http", "down", try Self.time { try Self.shell("curl -s -f -o /dev/null -H 'Authorization: Bearer \(token)' \(base)/api/v1/files/\(http)") },
               limit: limitDown, peer: nginxDown)
        record("webdav", "down", try Self.time { try Self.shell("curl -s -f -o /dev/null \(auth) \(base)/dav/Personal/big-webdav.bin") },
               limit: limitDown, peer: nginxDown)
        record("ftp", "down", try Self.time { try Self.shell("curl -s -f -o /dev/null \(auth) ftp://127.0.0.1:\(ftpPort)/Personal/big-ftp.bin") },
               limit: limitDown, peer: vsftpd?.down)
        peak.stop()
        let medianLimit = limits.sorted()[limits.count / 2]
        try Measure.report(Report(size_mb: sizeMb, limit_up_mb_per_s: Measure.round(medianLimit, 1), limit_down_mb_per_s: Measure.round(limitDown, 1),
                                  nginx_down_mb_per_s: nginxDown.map { Measure.round($0, 1) },
                                  vsftpd_up_mb_per_s: vsftpd.map { Measure.round($0.up, 1) },
                                  vsftpd_up_synced_mb_per_s: vsftpd.map { Measure.round($0.synced, 1) },
                                  vsftpd_up_synced_hashed_mb_per_s: vsftpd.map { Measure.round($0.hashed, 1) },
                                  vsftpd_down_mb_per_s: vsftpd.map { Measure.round($0.down, 1) },
                                  server_anon_mb_before: Measure.round(before, 1), server_anon_mb_peak: Measure.round(peak.peakMiB, 1), runs: runs))
    }

    /// Registers "bench" and returns its token.
    static func register(_ base: String) async throws -> String {
        var request = URLRequest(url: URL(string: base + "/api/v1/register")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "username": "bench", "password": "bench-password-1", "displayName": "Bench", "email": "",
            "question": "Bench?", "answer": "yes",
        ])
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], let token = json["token"] as? String else {
            throw BenchError("registration failed: \(String(decoding: data, as: UTF8.self))")
        }
        return token
    }

    static func writeRandom(_ path: String, bytes: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var random = FastRandom()
        var left = bytes
        while left > 0 {
            let block = random.bytes(min(left, 1 << 20))
            try handle.write(contentsOf: block)
            left -= block.count
        }
    }

    /// Runs a shell command; its standard output; a failure throws.
    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("failed (\(process.terminationStatus)): \(command.prefix(200))") }
        return String(decoding: data, as: UTF8.self)
    }

    static func time(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return Measure.seconds(ContinuousClock.now - start)
    }
}

/// Samples the server's anonymous memory every 100 ms, on a thread of its own.
final class PeakSampler: @unchecked Sendable {
    let server: ServerProcess
    private let lock = NSLock()
    private var peak = 0
    private var running = false
    private var thread: Thread?

    init(_ server: ServerProcess) { self.server = server }

    var peakMiB: Double { lock.withLock { Double(peak) / 1_048_576 } }

    func start() {
        lock.withLock { running = true }
        thread = Thread { [self] in
            while lock.withLock({ running }) {
                let now = server.anonymousBytes
                lock.withLock { peak = max(peak, now) }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        thread?.start()
    }

    func stop() { lock.withLock { running = false } }
}

/// nginx (Debian) serving a directory on a free port: the peer for HTTP downloads.
final class NginxPeer {
    let process = Process()
    let port: Int
    let directory: String

    init(root: String) throws {
        try PeerProcess.install("/usr/sbin/nginx", package: "nginx-light")
        port = try LocalPort.free()
        directory = root + "/nginx"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            worker_processes 1;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                server { listen 127.0.0.1:\(port); root \(root); }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-c", directory + "/nginx.conf", "-p", directory]
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func waitReady() async throws {
        try await PeerProcess.waitReady("nginx", probe: "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:\(port)/")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// vsftpd (Debian) on a free port, anonymous, with `source.bin` to download and `up/` to upload
/// into: the peer for FTP both ways.
final class VsftpdPeer {
    let process = Process()
    let port: Int
    let directory: String

    init(root: String, source: String) throws {
        try PeerProcess.install("/usr/sbin/vsftpd", package: "vsftpd")
        port = try LocalPort.free()
        let passive = try LocalPort.free()
        directory = root + "/vsftpd"
        // The anonymous root may not be writable by `ftp` (vsftpd refuses it); its `up/` is.
        try FilesBenchmark.shell("mkdir -p '\(directory)/up' /var/run/vsftpd/empty && chmod 755 '\(directory)' && chown ftp '\(directory)/up'"
            + " && ln -f '\(source)' '\(directory)/source.bin' && chmod 644 '\(directory)/source.bin'")
        let config = """
            listen=YES
            listen_ipv6=NO
            listen_address=127.0.0.1
            listen_port=\(port)
            background=NO
            anonymous_enable=YES
            no_anon_password=YES
            anon_root=\(directory)
            write_enable=YES
            anon_upload_enable=YES
            anon_umask=022
            local_enable=NO
            seccomp_sandbox=NO
            secure_chroot_dir=/var/run/vsftpd/empty
            pasv_enable=YES
            pasv_address=127.0.0.1
            pasv_min_port=\(passive)
            pasv_max_port=\(passive)
            xferlog_enable=NO
            use_sendfile=YES

            """
        try config.write(toFile: root + "/vsftpd.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/vsftpd")
        process.arguments = [root + "/vsftpd.conf"]
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func waitReady() async throws {
        try await PeerProcess.waitReady("vsftpd", probe: "curl -s -f -l ftp://127.0.0.1:\(port)/")
    }

    /// vsftpd in standalone mode does not end on SIGTERM while it is the session's parent.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A peer server from Debian run beside Causerie: installed when missing (its system service
/// stopped: the bench starts its own), then probed until it answers.
enum PeerProcess {
    static func install(_ binary: String, package: String) throws {
        guard !FileManager.default.isExecutableFile(atPath: binary) else { return }
        let service = URL(fileURLWithPath: binary).lastPathComponent
        Measure.note("installing \(package) from Debian…")
        try FilesBenchmark.shell("apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \(package) >/dev/null"
            + " && (systemctl stop \(service) 2>/dev/null; systemctl disable \(service) 2>/dev/null; pkill -x \(service); true)")
    }

    static func waitReady(_ name: String, probe: String) async throws {
        for _ in 0..<100 {
            if (try? FilesBenchmark.shell(probe)) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("\(name) did not start")
    }
}
