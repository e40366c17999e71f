import Foundation
@testable import Gateway
import Testing

/// The FTP door with real clients: Python's ftplib (plain, and FTP over TLS with encrypted data
/// connections) and lftp mirroring a tree both ways.
@Suite("FTP", .serialized)
struct FTPTests {
    static func ftpServer(tls: Bool = false, plain: Bool = true) async throws -> TestServer {
        try await TestServer.start { configuration in
            configuration.ftpPort = 0
            configuration.allowPlainPasswords = plain
            if tls { configuration.tls = TLSSettings(mode: .office) }
        }
    }

    static func port(_ server: TestServer) async throws -> Int {
        for _ in 0..<100 {
            if let port = server.server.ftpPort { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestError("FTP did not start")
    }

    /// A Python script run by Debian's python3 (ftplib is in its standard library).
    static func python(_ script: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await WebDAVTests.run("/usr/bin/python3", ["-c", script] + arguments)
    }

    @Test func ftplibWalksStoresFetchesRenamesAndIsRefusedWhatItMayNot() async throws {
        let server = try await Self.ftpServer()
        defer { server.remove() }
        let alice = try await server.register("alice")
        _ = try await server.register("bob")
        let port = try await Self.port(server)
        let script = #"""
            import ftplib, io, sys
            port = int(sys.argv[1])
            f = ftplib.FTP()
            f.connect("127.0.0.1", port, timeout=10)
            try:
                f.login("alice", "wrong-password")
                print("LOGGED IN WITH A WRONG PASSWORD")
            except ftplib.error_perm as e:
                assert str(e).startswith("530"), e
            f.login("alice", "password-123")
            feat = f.sendcmd("FEAT")
            assert "MLST" in feat and "EPSV" in feat and "UTF8" in feat, feat
            top = f.nlst()
            assert "Personal" in top and "Public" in top and "main" in top, top
            f.cwd("Personal")
            assert f.pwd() == "/Personal", f.pwd()
            f.mkd("Dossier été")
            data = bytes(range(256)) * 2000
            f.storbinary("STOR Dossier été/plan.bin", io.BytesIO(data))
            assert f.size("Dossier été/plan.bin") == len(data)
            assert len(f.sendcmd("MDTM Dossier été/plan.bin").split()[1]) == 14
            names = {name: facts for name, facts in f.mlsd("Dossier été")}
            assert names["plan.bin"]["type"] == "file" and int(names["plan.bin"]["size"]) == len(data), names
            got = io.BytesIO(); f.retrbinary("RETR Dossier été/plan.bin", got.write); assert got.getvalue() == data
            tail = io.BytesIO(); f.retrbinary("RETR Dossier été/plan.bin", tail.write, rest=500000); assert tail.getvalue() == data[500000:]
            f.set_pasv(True)
            lines = []; f.retrlines("LIST Dossier été", lines.append); assert any("plan.bin" in l and l.startswith("-rw") for l in lines), lines
            f.rename("Dossier été/plan.bin", "Dossier été/final.bin")
            f.cwd("..")
            assert f.pwd() == "/", f.pwd()
            # Climbing stays inside: ".." from the top is the top.
            f.cwd("../../..")
            assert f.pwd() == "/", f.pwd()
            for bad, code in [("STOR Personal/CON.txt", "553"), ("STOR Personal/a:b.txt", "553"), ("STOR nowhere.txt", "553"),
                              ("STOR Personal/No/x.txt", "553")]:
                try:
                    f.storbinary(bad, io.BytesIO(b"x")); print("STORED", bad)
                except ftplib.error_perm as e:
                    assert str(e).startswith(code), (bad, e)
            # Data connections go back to the control connection's address only (no bounce).
            try:
                f.sendcmd("PORT 10,9,8,7,200,1"); print("BOUNCE ACCEPTED")
            except ftplib.error_perm as e:
                assert str(e).startswith("504"), e
            f.delete("Personal/Dossier été/final.bin")
            f.rmd("Personal/Dossier été")
            f.storbinary("STOR Personal/kept.txt", io.BytesIO(b"kept\n"))
            f.quit()
            print("OK")
            """#
        let result = try await Self.python(script, ["\(port)"])
        #expect(result.status == 0 && result.output.hasSuffix("OK\n"), "\(result.output)")
        // The same events as the web's: the API lists what FTP stored.
        let listing = try await server.http("GET", "/api/v1/files?area=personal", token: alice.token)
        #expect(listing.body["files"]?.array.map { $0["name"]?.string ?? "" } == ["kept.txt"])
        #expect(listing.body["folders"]?.array.isEmpty == true)
    }

    @Test func passwordsAreRefusedInClearAndQuotasHold() async throws {
        let closed = try await Self.ftpServer(plain: false)
        defer { closed.remove() }
        _ = try await closed.register("alice")
        let refused = try await Self.python(#"""
            import ftplib, sys
            f = ftplib.FTP(); f.connect("127.0.0.1", int(sys.argv[1]), timeout=10)
            try:
                f.login("alice", "password-123"); print("ACCEPTED IN CLEAR")
            except ftplib.error_perm as e:
                print(str(e)[:3])
            """#, ["\(try await Self.port(closed))"])
        #expect(refused.output.trimmingCharacters(in: .whitespacesAndNewlines) == "530", "\(refused.output)")
        // The admin page says how passwords travel.
        let closedStatus = try await closed.http("GET", "/api/v1/admin/status", token: try await closed.adminToken())
        #expect(closedStatus.body["fileServer"]?["plainPasswords"]?.bool == false)
        #expect(closedStatus.body["fileServer"]?["ftpPort"]?.int == (try await Self.port(closed)))

        let server = try await Self.ftpServer()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let admin = try await server.adminToken()
        #expect(try await server.http("GET", "/api/v1/admin/status", token: admin).body["fileServer"]?["plainPasswords"]?.bool == true)
        #expect(try await server.http("PUT", "/api/v1/admin/users/\(alice.user)/quota", token: admin, body: jsonText(["bytes": 10_000])).status == 200)
        let full = try await Self.python(#"""
            import ftplib, io, sys
            f = ftplib.FTP(); f.connect("127.0.0.1", int(sys.argv[1]), timeout=10); f.login("alice", "password-123")
            try:
                f.storbinary("STOR Personal/big.bin", io.BytesIO(b"x" * 50000)); print("STORED PAST THE QUOTA")
            except ftplib.error_perm as e:
                print(str(e)[:3])
            except (BrokenPipeError, ConnectionResetError):
                # The server stopped reading past the quota (it does not take the rest): its answer follows.
                try:
                    f.getresp(); print("NO REFUSAL")
                except ftplib.error_perm as e:
                    print(str(e)[:3])
            f.storbinary("STOR Personal/small.bin", io.BytesIO(b"x" * 5000))
            print(f.size("Personal/small.bin"))
            """#, ["\(try await Self.port(server))"])
        #expect(full.output == "552\n5000\n", "\(full.output)")
    }

    @Test func ftpOverTLSEncryptsLoginAndData() async throws {
        let server = try await Self.ftpServer(tls: true, plain: false)
        defer { server.remove() }
        _ = try await server.server.core.register(.init(username: "alice", password: "password-123", displayName: "Alice",
                                                        email: "", question: "Pet?", answer: "Rex"), serverPassword: nil, address: "127.0.0.1")
        let ca = server.directory + "/tls/ca.crt"
        // Data connections must resume the control connection's TLS session (FileZilla Server's
        // rule): Python's FTP_TLS does not on its own, so `Resuming` passes the session; the
        // plain FTP_TLS is then refused with 425, and curl (which resumes) gets the file.
        let script = #"""
            import ftplib, io, ssl, sys
            context = ssl.create_default_context(cafile=sys.argv[2])
            context.check_hostname = False
            class Resuming(ftplib.FTP_TLS):
                def ntransfercmd(self, cmd, rest=None):
                    conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
                    if self._prot_p:
                        conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
                        assert conn.session_reused, "the server did not resume the session"
                    return conn, size
            f = Resuming(context=context)
            f.connect("127.0.0.1", int(sys.argv[1]), timeout=10)
            f.login("alice", "password-123")   # AUTH TLS first, then USER/PASS encrypted
            f.prot_p()
            data = b"secret minutes\n" * 1000
            f.storbinary("STOR Personal/minutes.txt", io.BytesIO(data))
            got = io.BytesIO(); f.retrbinary("RETR Personal/minutes.txt", got.write)
            assert got.getvalue() == data
            names = f.nlst("Personal"); assert names == ["minutes.txt"], names
            f.quit()
            g = ftplib.FTP_TLS(context=context)
            g.connect("127.0.0.1", int(sys.argv[1]), timeout=10)
            g.login("alice", "password-123")
            g.prot_p()
            try:
                g.retrbinary("RETR Personal/minutes.txt", io.BytesIO().write)
                print("not refused")
            except (ftplib.error_temp, ftplib.error_perm, ssl.SSLError, OSError) as e:
                print("refused", str(e)[:3])
            g.close()
            print("OK")
            """#
        let port = try await Self.port(server)
        let result = try await Self.python(script, ["\(port)", ca])
        #expect(result.status == 0 && result.output.hasSuffix("refused 425\nOK\n"), "\(result.output)")
        let curl = try await WebDAVTests.run("/usr/bin/curl", ["-s", "-S", "--ssl-reqd", "--cacert", ca, "-u", "alice:password-123",
                                                                "ftp://127.0.0.1:\(port)/Personal/minutes.txt"])
        #expect(curl.status == 0 && curl.output.hasPrefix("secret minutes\n"), "\(curl.output.prefix(300))")
    }

    @Test func lftpMirrorsATreeBothWays() async throws {
        let server = try await Self.ftpServer()
        defer { server.remove() }
        _ = try await server.register("alice")
        let port = try await Self.port(server)
        let local = NSTemporaryDirectory() + "lftp-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: local) }
        var files: [String: Data] = [:]
        for (index, path) in ["a.txt", "Été/notes.md", "Été/photos/1.bin", "deep/er/file.txt"].enumerated() {
            files[path] = Data((0..<(index * 30_000 + 11)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ index) })
            let url = URL(fileURLWithPath: local + "/up/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try files[path]!.write(to: url)
        }
        let commands = "set ftp:ssl-allow no; set net:max-retries 1; set cmd:fail-exit yes; "
            + "mkdir Personal/Tree; mirror -R \(local)/up Personal/Tree; mirror Personal/Tree \(local)/down; bye"
        let result = try await WebDAVTests.run("/usr/bin/lftp", ["-u", "alice,password-123", "-p", "\(port)", "-e", commands, "127.0.0.1"])
        #expect(result.status == 0, "\(result.output)")
        for (path, data) in files {
            #expect(FileManager.default.contents(atPath: local + "/down/" + path) == data, "\(path)")
        }
    }
}
