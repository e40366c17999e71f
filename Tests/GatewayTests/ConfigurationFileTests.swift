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
}
