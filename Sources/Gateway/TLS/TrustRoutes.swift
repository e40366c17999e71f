import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Operations

/// What plain HTTP gets when TLS is on (ADR 010), and the office authority on both schemes.
///
/// - `/ca.crt` (the authority, to install) and `/trust.json` (its fingerprint, for the page);
/// - over plain HTTP, `/trust/…` and `/favicon.svg` (the trust page's files);
/// - over plain HTTP, a browser navigating anywhere gets the trust page, which explains how to
///   trust the authority and moves to `https://` by itself once it is trusted; every other plain
///   request is redirected (308, method and body kept) to the same path over HTTPS.
/// With the admin's own certificate there is no authority of ours to hand out: plain HTTP is
/// redirected, always.
struct TrustMiddleware: RouterMiddleware {
    let tls: ServerTLS
    let statics: StaticRoutes
    let serverName: @Sendable () -> String

    /// The trust page's policy: the app's, except that it may probe the HTTPS address.
    static let trustPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self' https:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func handle(_ request: Request, context: CauserieContext, next: (Request, CauserieContext) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        let secure = request.head.scheme == "https"
        let authority = tls.current.authority
        if request.method == .get || request.method == .head, let authority {
            if path == "/ca.crt" { return Self.certificate(authority) }
            if path == "/trust.json" { return trustJSON(authority, request: request) }
        }
        if secure { return try await next(request, context) }
        if authority != nil, request.method == .get {
            if path == "/favicon.svg" || (path.hasPrefix("/trust/") && path.count > "/trust/".count) {
                let name = String(path.dropFirst())
                guard !name.split(separator: "/").contains(where: { $0.hasPrefix(".") || $0.contains("%") }) else {
                    throw APIError.notFound("file")
                }
                return try StaticRoutes.serve(statics.resources?.appendingPathComponent("web/" + name), request: request,
                                              policy: Self.trustPolicy)
            }
            if Self.isNavigation(request) {
                return try StaticRoutes.serve(statics.resources?.appendingPathComponent("web/trust/index.html"), request: request,
                                              policy: Self.trustPolicy)
            }
        }
        guard let host = request.head.authority, Self.isPlausibleHost(host) else {
            throw APIError(code: "invalid", reason: "https_required", status: 400)
        }
        var location = "https://" + host + path
        if let query = request.uri.query { location += "?" + query }
        return Response(status: .permanentRedirect, headers: [.location: location, .contentLength: "0", .cacheControl: "no-store"])
    }

    /// A browser opening a page (not a script's request, not curl): the trust page is for it.
    static func isNavigation(_ request: Request) -> Bool {
        if let mode = request.headers[.secFetchMode] { return mode == "navigate" }
        return request.headers[.accept]?.contains("text/html") ?? false
    }

    /// A Host header fit to be put in a Location: a name or address and a port, nothing else.
    static func isPlausibleHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 300
            && host.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x3A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5B || byte == 0x5D
            }
    }

    static func certificate(_ authority: ServerTLS.Authority) -> Response {
        Response(status: .ok, headers: [
            .contentType: "application/x-x509-ca-cert",
            .contentDisposition: "attachment; filename=\"causerie-office-ca.crt\"",
            .cacheControl: "no-cache", .xContentTypeOptions: "nosniff",
        ], body: .init(byteBuffer: ByteBuffer(string: authority.pem)))
    }

    func trustJSON(_ authority: ServerTLS.Authority, request: Request) -> Response {
        let host = request.head.authority.flatMap { Self.isPlausibleHost($0) ? $0 : nil } ?? "localhost"
        var json = JSONWriter()
        json.beginObject()
        json.field("serverName", serverName())
        json.field("httpsURL", "https://\(host)/")
        json.field("fingerprint", authority.fingerprint)
        json.field("authority", authority.name)
        json.field("validUntil", Int64(authority.validUntil.timeIntervalSince1970 * 1000))
        json.field("download", "/ca.crt")
        json.endObject()
        var headers = HTTPFields.api
        // The page's probe reads it from the HTTPS address, across schemes.
        headers[.accessControlAllowOrigin] = "*"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}

extension HTTPField.Name {
    static let secFetchMode = Self("Sec-Fetch-Mode")!
}
