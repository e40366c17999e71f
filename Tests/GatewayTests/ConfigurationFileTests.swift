import Foundation
@testable import Gateway
@testable import Tools
import Testing

/// The configuration file as `causerie serve --config` reads it (docs/configuration.md).
@Suite("Configuration file")
struct ConfigurationFileTests {
    static func load(_ json: String) throws -> ServerConfiguration {
        let path = NSTemporaryDirectory() + "causerie-config-" + UUID().uuidString + ".json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ConfigurationFile.load(path).serverConfiguration()
    }

    @Test func sessionIdleDaysBecomeSecondsWithinACentury() throws {
        // 0 is never; below, or beyond a century, is refused (a huge value would overflow).
        for bad in ["-3", "36501", "1e300"] {
            #expect(throws: (any Error).self) { try Self.load(#"{"limits": {"sessionIdleDays": \#(bad)}}"#) }
        }
        #expect(try Self.load(#"{"limits": {"sessionIdleDays": 0.5, "historyPage": 50}}"#).limits.sessionIdleSeconds == 43_200)
        #expect(try Self.load(#"{"limits": {"sessionIdleDays": 0}}"#).limits.sessionIdleSeconds == 0)
        #expect(try Self.load(#"{}"#).limits.sessionIdleSeconds == 30 * 86_400)
    }

    @Test func aValueOfTheWrongTypeIsRefusedByName() throws {
        do {
            _ = try Self.load(#"{"limits": {"sessionIdleDays": "a month"}}"#)
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("is not valid") && "\(error)".contains("sessionIdleDays"))
        }
    }

    @Test func tlsIsTheOfficeAuthorityUnlessTheFileSaysOtherwise() throws {
        #expect(try Self.load(#"{}"#).tls.mode == .office)
        let proxied = try Self.load(#"{"tls": {"mode": "off", "trustedProxies": ["10.0.0.2", "fd00::2"]}}"#)
        #expect(proxied.tls.mode == .off && proxied.tls.trustedProxies == ["10.0.0.2", "fd00::2"])
        let own = try Self.load(#"{"tls": {"mode": "files", "certificate": "/etc/c.pem", "key": "/etc/c.key"}}"#)
        #expect(own.tls.certificateFile == "/etc/c.pem" && own.tls.keyFile == "/etc/c.key")
        for bad in [#"{"tls": {"mode": "sometimes"}}"#, #"{"tls": {"trustedProxies": ["proxy.lan"]}}"#, #"{"tls": {"names": 3}}"#] {
            #expect(throws: (any Error).self) { try Self.load(bad) }
        }
        // Names a certificate can be made for; anything else stops the start with words.
        let named = try Self.load(#"{"tls": {"names": ["Chat.Office.LAN", "10.0.0.9", "fd00::9"]}}"#)
        #expect(named.tls.names == ["Chat.Office.LAN", "10.0.0.9", "fd00::9"])
        for name in ["bad name", "*.office.lan", "", "chat.office.lan:8443", "-chat.lan", "café.lan", String(repeating: "a", count: 64)] {
            let text = String(data: try JSONSerialization.data(withJSONObject: ["tls": ["names": [name]]]), encoding: .utf8)!
            #expect(throws: (any Error).self, "\(name)") { try Self.load(text) }
            do { _ = try Self.load(text) } catch { #expect("\(error)".contains("tls.names"), "\(error)") }
        }
    }

    /// The example in docs/configuration.md is a file the server accepts.
    @Test func turnServersForCallsAreCheckedAndKept() throws {
        #expect(try Self.load(#"{}"#).iceServers.isEmpty)
        let turn = try Self.load(#"{"calls": {"iceServers": [{"urls": ["turn:turn.office.lan:3478"], "username": "u", "credential": "c"}]}}"#)
        #expect(turn.iceServers == [ServerConfiguration.IceServer(urls: ["turn:turn.office.lan:3478"], username: "u", credential: "c")])
        for bad in [#"[{"urls": ["http://turn.office.lan"]}]"#, #"[{"urls": []}]"#, #"[{"urls": "turn:x"}]"#] {
            #expect(throws: (any Error).self) { try Self.load(#"{"calls": {"iceServers": \#(bad)}}"#) }
        }
    }

    @Test func theDocumentedExampleLoads() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let start = try #require(text.range(of: "```json\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let configuration = try Self.load(String(text[start.upperBound..<end.lowerBound]))
        #expect(configuration.tls.names == ["chat.office.lan"])
        #expect(configuration.limits.outboxFrames == 4096)
    }
}
