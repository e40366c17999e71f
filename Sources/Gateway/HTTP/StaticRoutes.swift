import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web client's files and the API description, with content types, revalidation headers and
/// a Content-Security-Policy that forbids inline script.
struct StaticRoutes {
    let webRoot: String?

    /// Where the files are: the configured web root, else the resources built with the server.
    var resources: URL? {
        if let webRoot { return URL(fileURLWithPath: webRoot) }
        return Bundle.module.resourceURL
    }

    /// No inline script or style, no plugins, no framing; WebSocket back to this server only.
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; "
        + "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; font-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "json": "application/json; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "webmanifest": "application/manifest+json",
        "woff2": "font/woff2", "txt": "text/plain; charset=utf-8", "yaml": "application/yaml; charset=utf-8",
    ]

    func add(to router: Router<CauserieContext>) {
        let resources = self.resources
        router.get("api/openapi.yaml") { request, _ in
            try Self.serve(resources?.appendingPathComponent("openapi.yaml"), request: request)
        }
        router.get("/") { request, _ in
            try Self.serve(resources?.appendingPathComponent("web/index.html"), request: request)
        }
        router.get("**") { request, _ in
            let path = request.uri.path
            guard !path.hasPrefix("/api/") else { throw APIError.notFound("route") }
            // Only plain names: no "..", no hidden files, no encoded separators.
            let parts = path.split(separator: "/")
            guard !parts.isEmpty, parts.allSatisfy({ part in
                !part.hasPrefix(".") && !part.contains("%") && !part.contains("\\")
            }) else { throw APIError.notFound("file") }
            return try Self.serve(resources?.appendingPathComponent("web/" + parts.joined(separator: "/")), request: request)
        }
    }

    /// A file with its type, an ETag for revalidation, and the security headers.
    static func serve(_ url: URL?, request: Request, policy: String = contentSecurityPolicy) throws -> Response {
        guard let url, let data = try? Data(contentsOf: url),
              let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              (attributes[.type] as? FileAttributeType) == .typeRegular
        else { throw APIError.notFound("file") }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let tag = "\"\(String(data.count, radix: 16))-\(String(Int(modified * 1000), radix: 16))\""
        var headers: HTTPFields = [
            .contentType: contentTypes[url.pathExtension.lowercased()] ?? "application/octet-stream",
            // No build step means no hashed names: browsers revalidate each time (a 304 is cheap).
            .cacheControl: "no-cache", .eTag: tag, .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: policy, .referrerPolicy: "no-referrer",
            .xFrameOptions: "DENY",
        ]
        if request.headers[.ifNoneMatch] == tag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
