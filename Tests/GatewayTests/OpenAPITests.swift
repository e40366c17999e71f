import Foundation
@testable import Gateway
import Testing

/// The published description and the server agree: same paths, same methods, and it is served.
@Suite("OpenAPI", .serialized)
struct OpenAPITests {
    /// (method, path) pairs from the YAML: paths at two spaces, methods at four.
    static func described() throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var result = Set<String>()
        var path: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line == "    x-causerie-tls-only: true" {
                // Answered by the TLS middleware before any route (TLSTests fetch them).
                path = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "),
                      let method = ["get", "post", "put", "patch", "delete", "head", "options"].first(where: { line == "    \($0):" }) {
                result.insert("\(method.uppercased()) \(path)")
            }
        }
        return result
    }

    @Test func theSpecDescribesExactlyTheRoutesServed() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        // The web client's files ("/" and the catch-all) are not API.
        let routes = Set(server.server.routeDescriptions.filter { $0 != "GET /" && $0 != "GET /**" })
        let described = try Self.described()
        #expect(routes.count >= 40 && described.count == routes.count + 0)
        #expect(routes.subtracting(described).isEmpty, "undocumented: \(routes.subtracting(described).sorted())")
        #expect(described.subtracting(routes).isEmpty, "documented but not served: \(described.subtracting(routes).sorted())")
        let served = try await server.http("GET", "/api/openapi.yaml")
        #expect(served.status == 200)
        #expect(served.body.string?.hasPrefix("openapi: 3") == true)
        await server.stop()
    }
}

@Suite("Static files", .serialized)
struct StaticFileTests {
    @Test func theWebClientIsServedWithItsTypeAndACSPThatForbidsInlineScript() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let page = try await server.http("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        let policy = try #require(page.headers["content-security-policy"])
        #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
        #expect(page.headers["x-content-type-options"] == "nosniff")
        let etag = try #require(page.headers["etag"])
        let again = try await server.http("GET", "/", headers: ["If-None-Match": etag])
        #expect(again.status == 304)
        for path in ["/../Package.swift", "/web/../../etc/passwd", "/%2e%2e/secret", "/.hidden", "/nothing.js"] {
            #expect(try await server.http("GET", path).status == 404, "\(path)")
        }
        #expect(try await server.http("GET", "/api/v1/nothing").status == 404)
        await server.stop()
    }
}
