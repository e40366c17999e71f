import Foundation
@testable import Gateway
import Testing

/// `GET /metrics` in Prometheus's text format (docs/operations.md): the figures move with what
/// happens, and only this machine or an administrator may read them.
@Suite("Metrics")
struct MetricsTests {
    /// "name value" lines (no labels here), comments left out.
    static func values(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }

    @Test func theFiguresFollowWhatHappens() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let bobClient = try await server.client(bob.token)
        let before = try await server.http("GET", "/metrics")
        #expect(before.status == 200)
        #expect(before.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let first = Self.values(before.body.string ?? "")
        #expect(first["causerie_connections"] == 1)
        #expect(first["causerie_users_online"] == 1)
        let sent = try await server.http("POST", "/api/v1/rooms/main/messages", token: alice.token,
                                         body: jsonText(["text": "counted", "clientId": "m1"]))
        #expect(sent.status == 201)
        _ = try await bobClient.event { $0["kind"]?.string == "message.posted" && $0["text"]?.string == "counted" }
        let after = Self.values(try await server.http("GET", "/metrics").body.string ?? "")
        #expect((after["causerie_deliveries_total"] ?? 0) >= (first["causerie_deliveries_total"] ?? 0) + 1)
        #expect((after["causerie_append_duration_seconds_count"] ?? 0) > (first["causerie_append_duration_seconds_count"] ?? 0))
        #expect((after["causerie_log_commits_total"] ?? 0) > 0)
        #expect((after["causerie_log_head_position"] ?? 0) > (first["causerie_log_head_position"] ?? 0))
        #expect((after["causerie_log_size_bytes"] ?? 0) > 0)
        #expect(after["causerie_tls_certificate_expiry_seconds"] == 0)
        await bobClient.close()
        await server.stop()
    }

    @Test func fromElsewhereOnlyAnAdministratorReadsThem() async throws {
        // A trusted proxy on this machine forwards a client from the LAN: that client is not local.
        let server = try await TestServer.start { $0.tls.trustedProxies = ["127.0.0.1"] }
        defer { server.remove() }
        let lan = ["X-Forwarded-For": "192.168.1.50"]
        #expect(try await server.http("GET", "/metrics", headers: lan).status == 401)
        let alice = try await server.register("alice")
        #expect(try await server.http("GET", "/metrics", token: alice.token, headers: lan).status == 403)
        let admin = try await server.adminToken()
        let allowed = try await server.http("GET", "/metrics", token: admin, headers: lan)
        #expect(allowed.status == 200)
        #expect(allowed.body.string?.contains("causerie_connections") == true)
        #expect(try await server.http("GET", "/metrics").status == 200)
        await server.stop()
    }
}
