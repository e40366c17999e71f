import Crypto
import Foundation
@testable import Gateway
import Logging
import SwiftASN1
import Testing
import X509

/// HTTPS by default (ADR 010, docs/tls.md), driven by curl, a real TLS client with its own
/// verifier (OpenSSL's): it trusts only what `--cacert` names.
@Suite("TLS", .serialized)
struct TLSTests {
    static func office(_ directory: String? = nil, _ change: @escaping (inout TLSSettings) -> Void = { _ in }) async throws -> TestServer {
        try await TestServer.start(directory: directory) { configuration in
            configuration.tls = TLSSettings(mode: .office)
            change(&configuration.tls)
        }
    }

    /// curl's exit status, response body and the headers it printed (`-D -`).
    struct Curl {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Waits without holding a thread: the server under test runs in this process, on the same
    /// small pool (a blocking read here once starved it under the whole suite's load).
    static func curl(_ arguments: [String]) async throws -> Curl {
        let directory = NSTemporaryDirectory() + "tls-curl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--silent", "--show-error", "--max-time", "10"] + arguments
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/out"))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/err"))
        process.standardOutput = output
        process.standardError = errors
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try output.close()
        try errors.close()
        return Curl(status: process.terminationStatus,
                    output: (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "",
                    errors: (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "")
    }

    static func permissions(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func theOfficeAuthorityIsMadeOnceWithKeysOnlyTheServerReads() async throws {
        let server = try await Self.office()
        defer { server.remove() }
        let tls = server.directory + "/tls"
        #expect(Self.permissions(tls) == 0o700)
        #expect(Self.permissions(tls + "/ca.key") == 0o600)
        #expect(Self.permissions(tls + "/server.key") == 0o600)
        let authority = try Certificate(pemEncoded: try String(contentsOfFile: tls + "/ca.crt", encoding: .utf8))
        let serverCertificate = try Certificate(pemEncoded: try String(contentsOfFile: tls + "/server.crt", encoding: .utf8))
        #expect(try authority.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try serverCertificate.extensions.basicConstraints == .notCertificateAuthority)
        #expect(serverCertificate.issuer == authority.subject)
        let names = ServerNames(certificate: serverCertificate)
        #expect(names.dnsNames.contains("localhost"))
        #expect(names.ipAddresses.contains("127.0.0.1") && names.ipAddresses.contains("::1"))
        for address in LocalAddresses.addresses(ipv6: true) { #expect(names.ipAddresses.contains(address), "\(address)") }
        // About a year, and the authority about ten.
        let days = serverCertificate.notValidAfter.timeIntervalSinceNow / 86_400
        #expect((360...366).contains(days))
        #expect(authority.notValidAfter.timeIntervalSinceNow / 86_400 > 3600)
        let fingerprint = try #require(server.server.tls?.current.authority?.fingerprint)
        await server.stop()

        // A restart keeps the authority (devices trust it) and the certificate (still good).
        let again = try await Self.office(server.directory)
        #expect(again.server.tls?.current.authority?.fingerprint == fingerprint)
        #expect(try String(contentsOfFile: tls + "/server.crt", encoding: .utf8) == serverCertificate.serializeAsPEM().pemString)
        // The key is never served, by any path.
        for path in ["/tls/ca.key", "/ca.key", "/..%2Ftls%2Fca.key", "/web/../tls/ca.key", "/data/tls/ca.key"] {
            let result = try await Self.curl(["--cacert", tls + "/ca.crt", "--path-as-is", "https://127.0.0.1:\(again.port)\(path)"])
            #expect(!result.output.contains("PRIVATE KEY"), "\(path)")
        }
        await again.stop()
    }

    @Test func aClientTrustingTheOfficeAuthorityConnectsAndOneTrustingNothingIsRefused() async throws {
        let server = try await Self.office()
        defer { server.remove() }
        let ca = server.directory + "/tls/ca.crt"
        for host in ["127.0.0.1", "localhost"] {
            let trusted = try await Self.curl(["--cacert", ca, "https://\(host):\(server.port)/api/v1/server"])
            #expect(trusted.status == 0, "\(host): \(trusted.errors)")
            #expect(trusted.output.contains("\"name\":\"Test office\""), "\(trusted.output)")
        }
        // The system's authorities do not know ours: curl's "peer certificate cannot be authenticated".
        let untrusted = try await Self.curl(["https://127.0.0.1:\(server.port)/api/v1/server"])
        #expect(untrusted.status == 60, "\(untrusted.errors)")
        // A name the certificate does not carry.
        let wrongName = try await Self.curl(["--cacert", ca, "--resolve", "intruder.example:\(server.port):127.0.0.1",
                                             "https://intruder.example:\(server.port)/api/v1/server"])
        #expect(wrongName.status == 60, "\(wrongName.errors)")
        // TLS 1.1 and older are refused (the client is told to allow them); 1.3 is spoken.
        let old = try await Self.curl(["--cacert", ca, "--tlsv1.0", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", "https://127.0.0.1:\(server.port)/api/v1/server"])
        #expect(old.status != 0)
        let modern = try await Self.curl(["--cacert", ca, "--tlsv1.3", "-o", "/dev/null", "-w", "%{http_code}",
                                          "https://127.0.0.1:\(server.port)/api/v1/server"])
        #expect(modern.output == "200", "\(modern.errors)")
        // The WebSocket over TLS (wss): the upgrade is answered.
        let upgrade = try await Self.curl(["--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                           "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                                           "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                           "https://127.0.0.1:\(server.port)/api/v1/ws"])
        #expect(upgrade.output == "101", "\(upgrade.errors)")
        await server.stop()
    }

    @Test func plainHTTPGetsTheTrustPageTheAuthorityOrARedirect() async throws {
        let server = try await Self.office()
        defer { server.remove() }
        let base = "http://127.0.0.1:\(server.port)"
        // A browser opening any page: the trust page (200), with its own policy.
        for path in ["/", "/admin.html", "/room/main"] {
            let page = try await Self.curl(["-D", "-", "-H", "Sec-Fetch-Mode: navigate", "-H", "Accept: text/html", base + path])
            #expect(page.output.hasPrefix("HTTP/1.1 200"), "\(path): \(page.output.prefix(200))")
            #expect(page.output.contains("/trust/trust.js"))
            #expect(page.output.contains("connect-src 'self' https:"))
        }
        // Anything else: 308 to the same address and path over HTTPS.
        let api = try await Self.curl(["-D", "-", "-o", "/dev/null", base + "/api/v1/rooms?x=1"])
        #expect(api.output.hasPrefix("HTTP/1.1 308"))
        #expect(api.output.lowercased().contains("location: https://127.0.0.1:\(server.port)/api/v1/rooms?x=1"))
        // The redirect is followed to the real thing when the authority is trusted.
        let followed = try await Self.curl(["-L", "--cacert", server.directory + "/tls/ca.crt", base + "/api/v1/server"])
        #expect(followed.output.contains("\"name\":\"Test office\""), "\(followed.errors)")
        // A Host that could not be a host is not echoed into a Location.
        let hostile = try await Self.curl(["-D", "-", "-o", "/dev/null", "-H", "Host: evil.example/<x>", base + "/api/v1/server"])
        #expect(hostile.output.hasPrefix("HTTP/1.1 400"))
        // The authority as a download, the same bytes as the file; its fingerprint for the page.
        let pem = try String(contentsOfFile: server.directory + "/tls/ca.crt", encoding: .utf8)
        #expect(try await Self.curl([base + "/ca.crt"]).output == pem)
        let trust = try JSONValue(parsing: Data(try await Self.curl([base + "/trust.json"]).output.utf8))
        #expect(trust["fingerprint"]?.string == server.server.tls?.current.authority?.fingerprint)
        #expect(trust["httpsURL"]?.string == "https://127.0.0.1:\(server.port)/")
        #expect(trust["fingerprint"]?.string?.count == 95)
        // No plain WebSocket beside TLS.
        let plainSocket = try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                               "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                                               "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", base + "/api/v1/ws"])
        #expect(plainSocket.output == "400")
        let still = try await Self.curl(["--cacert", server.directory + "/tls/ca.crt", "https://127.0.0.1:\(server.port)/api/v1/server"])
        #expect(still.status == 0)
        await server.stop()
    }

    @Test func aCertificateNearItsEndOrMissingAnAddressIsRenewedAndTheAuthorityStays() throws {
        let directory = NSTemporaryDirectory() + "causerie-tls-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = TestServer.quiet
        let longAgo = Date().addingTimeInterval(-350 * 86_400)
        let first = try #require(try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: logger, now: longAgo))
        let fingerprint = try #require(first.current.authority?.fingerprint)
        #expect(first.current.serverValidUntil.timeIntervalSinceNow < 16 * 86_400)
        // Fifteen days left: within the last thirty, so a start now renews it.
        let renewed = try #require(try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: logger))
        #expect(renewed.current.authority?.fingerprint == fingerprint)
        #expect(renewed.current.serverValidUntil.timeIntervalSinceNow > 360 * 86_400)
        // An extra name (or a new address) is a new certificate, from the same authority.
        var named = TLSSettings(mode: .office)
        named.names = ["chat.office.lan", "10.20.30.40"]
        let withName = try #require(try ServerTLS.start(named, dataDirectory: directory, logger: logger))
        #expect(withName.current.serverNames.contains("chat.office.lan") && withName.current.serverNames.contains("10.20.30.40"))
        #expect(withName.current.authority?.fingerprint == fingerprint)
        // The hourly check, a year on: renewed in place.
        withName.refresh(now: Date().addingTimeInterval(340 * 86_400))
        #expect(withName.current.serverValidUntil.timeIntervalSinceNow > 700 * 86_400)
    }

    @Test func aDamagedAuthorityStopsTheStartWithWordsAndIsNeverReplacedSilently() throws {
        let directory = NSTemporaryDirectory() + "causerie-tls-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: TestServer.quiet)
        let original = try String(contentsOfFile: directory + "/tls/ca.crt", encoding: .utf8)
        try "not a key".write(toFile: directory + "/tls/ca.key", atomically: true, encoding: .utf8)
        #expect {
            try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: TestServer.quiet)
        } throws: { error in
            "\(error)".contains("restore ca.key and ca.crt from a backup")
        }
        #expect(try String(contentsOfFile: directory + "/tls/ca.crt", encoding: .utf8) == original)
        try FileManager.default.removeItem(atPath: directory + "/tls/ca.key")
        #expect {
            try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: TestServer.quiet)
        } throws: { error in
            "\(error)".contains("holds only half of the office authority")
        }
        // A damaged server certificate is simply re-issued.
        try FileManager.default.removeItem(atPath: directory + "/tls")
        _ = try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: TestServer.quiet)
        try "garbage".write(toFile: directory + "/tls/server.crt", atomically: true, encoding: .utf8)
        let repaired = try #require(try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: directory, logger: TestServer.quiet))
        #expect(repaired.current.serverValidUntil.timeIntervalSinceNow > 360 * 86_400)
    }

    /// The admin's own certificate (here made by a test authority): an expired one is refused by
    /// clients; a renewed one, put in place and announced by SIGHUP (`reloadTLS`), is served to
    /// new connections; a broken file keeps the previous certificate.
    @Test func ownCertificateFilesAreReReadOnReloadAndAnExpiredOneIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "causerie-tls-own-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let authority = try OfficeAuthority.create(hostName: "test-pki", now: Date())
        try authority.certificate.serializeAsPEM().pemString.write(toFile: directory + "/pki.crt", atomically: true, encoding: .utf8)
        let names = ServerNames(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        func install(_ issued: (key: P256.Signing.PrivateKey, certificate: Certificate)) throws {
            try issued.certificate.serializeAsPEM().pemString.write(toFile: directory + "/own.crt", atomically: true, encoding: .utf8)
            try issued.key.pemRepresentation.write(toFile: directory + "/own.key", atomically: true, encoding: .utf8)
        }
        try install(try authority.issue(for: names, days: 30, now: Date().addingTimeInterval(-60 * 86_400)))
        let server = try await TestServer.start(directory: directory + "/data") { configuration in
            configuration.tls = TLSSettings(mode: .files)
            configuration.tls.certificateFile = directory + "/own.crt"
            configuration.tls.keyFile = directory + "/own.key"
        }
        let url = "https://127.0.0.1:\(server.port)/api/v1/server"
        let expired = try await Self.curl(["--cacert", directory + "/pki.crt", url])
        #expect(expired.status == 60 && expired.errors.contains("expired"), "\(expired.errors)")
        try install(try authority.issue(for: names, days: 90, now: Date()))
        server.server.reloadTLS()
        let renewed = try await Self.curl(["--cacert", directory + "/pki.crt", url])
        #expect(renewed.status == 0, "\(renewed.errors)")
        // A half-written key: the reload is refused, the certificate in force stays.
        try "-----BEGIN PRIVATE KEY-----\nAAAA".write(toFile: directory + "/own.key", atomically: true, encoding: .utf8)
        server.server.reloadTLS()
        #expect(try await Self.curl(["--cacert", directory + "/pki.crt", url]).status == 0)
        // With our own certificate there is no office authority to hand out: plain HTTP redirects.
        let plain = try await Self.curl(["-D", "-", "-o", "/dev/null", "-H", "Sec-Fetch-Mode: navigate",
                                         "http://127.0.0.1:\(server.port)/"])
        #expect(plain.output.hasPrefix("HTTP/1.1 308"))
        #expect(try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "--cacert", directory + "/pki.crt",
                                     "https://127.0.0.1:\(server.port)/ca.crt"]).output == "404")
        await server.stop()
        server.remove()
    }

    @Test func aKeyThatIsNotTheCertificatesStopsTheStartWithWords() async throws {
        let directory = NSTemporaryDirectory() + "causerie-tls-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let authority = try OfficeAuthority.create(hostName: "test-pki", now: Date())
        let one = try authority.issue(for: ServerNames(dnsNames: ["localhost"], ipAddresses: []), days: 30, now: Date())
        let other = P256.Signing.PrivateKey()
        try one.certificate.serializeAsPEM().pemString.write(toFile: directory + "/own.crt", atomically: true, encoding: .utf8)
        try other.pemRepresentation.write(toFile: directory + "/own.key", atomically: true, encoding: .utf8)
        var settings = TLSSettings(mode: .files)
        settings.certificateFile = directory + "/own.crt"
        settings.keyFile = directory + "/own.key"
        #expect { try ServerTLS.start(settings, dataDirectory: directory, logger: TestServer.quiet) } throws: { error in
            "\(error)".contains("does not go with the certificate")
        }
        settings.keyFile = directory + "/missing.key"
        #expect { try ServerTLS.start(settings, dataDirectory: directory, logger: TestServer.quiet) } throws: { error in
            "\(error)".contains("cannot be read as PEM")
        }
    }

    /// TLS off behind a proxy: X-Forwarded-For is believed from the configured proxy only.
    @Test func forwardedAddressesAreBelievedFromConfiguredProxiesOnly() async throws {
        for trusted in [true, false] {
            let server = try await TestServer.start { configuration in
                configuration.tls.trustedProxies = trusted ? ["127.0.0.1"] : []
            }
            let admin = try await server.adminToken()
            let deny = try await server.http("PUT", "/api/v1/admin/filters", token: admin, body: jsonText(["deny": ["203.0.113.5"]]))
            #expect(deny.status == 200, "\(deny.body)")
            let forwarded = try await server.http("GET", "/api/v1/server", headers: ["X-Forwarded-For": "198.51.100.1, 203.0.113.5"])
            #expect(forwarded.status == (trusted ? 403 : 200))
            let direct = try await server.http("GET", "/api/v1/server")
            #expect(direct.status == 200)
            await server.stop()
            server.remove()
        }
        let rule = ClientAddress(trustedProxies: ["10.0.0.2", "::ffff:10.0.0.3"])
        #expect(rule.resolve(peer: "10.0.0.2", forwardedFor: ["198.51.100.7, 10.0.0.3"]) == "198.51.100.7")
        #expect(rule.resolve(peer: "::ffff:10.0.0.2", forwardedFor: ["198.51.100.7"]) == "198.51.100.7")
        #expect(rule.resolve(peer: "10.0.0.9", forwardedFor: ["198.51.100.7"]) == "10.0.0.9")
        #expect(rule.resolve(peer: "10.0.0.2", forwardedFor: ["not-an-address"]) == "10.0.0.2")
        #expect(rule.resolve(peer: "10.0.0.2", forwardedFor: []) == "10.0.0.2")
    }
}

/// An administrator cannot shut themselves out with address rules (issue 12): the decision
/// checks the rules against the address the request came from.
@Suite("Address rules lock-out")
struct AddressLockOutTests {
    @Test func rulesThatWouldRefuseTheAdministratorsOwnAddressAreRefused() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        for body in [["deny": ["127.0.0.0/8"]], ["allow": ["10.0.0.0/8"]], ["deny": ["127.0.0.1"]]] {
            let refused = try await server.http("PUT", "/api/v1/admin/filters", token: admin, body: jsonText(body))
            #expect(refused.status == 403 && refused.body["reason"]?.string == "would_lock_out", "\(body): \(refused.body)")
        }
        // The server still answers this address; rules that keep it in are taken.
        #expect(try await server.http("GET", "/api/v1/server").status == 200)
        let kept = try await server.http("PUT", "/api/v1/admin/filters", token: admin,
                                         body: jsonText(["allow": ["127.0.0.0/8", "10.0.0.0/8"], "deny": ["203.0.113.0/24"]]))
        #expect(kept.status == 200, "\(kept.body)")
        await server.stop()
    }
}
