import HTTPTypes
import Hummingbird

/// A method the path does not serve gets 405 with an `Allow` header (RFC 9110 §15.5.6), not 404:
/// `TRACE /api/v1/rooms` or `DELETE /api/v1/server` say what is wrong. Paths served by nothing
/// still get 404. The routes are read once from the router (Hummingbird answers 404 for both).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = CauserieContext

    /// Path templates ("api/v1/rooms/{room}" as segments, "*" for a parameter, "**" for the rest)
    /// and the methods each serves.
    private let templates: [(segments: [Substring], methods: Set<String>)]

    init(routes: [(method: String, path: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        templates = byPath.map { path, methods in
            (path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "*" : $0 }, methods)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method.rawValue
        let segments = request.uri.path.split(separator: "/")
        // As the router does: the template with the most literal segments first wins
        // (`rooms/directory` is not `rooms/{room}`).
        let matching = templates.filter { Self.matches($0.segments, segments) }
        let best = matching.map { Self.specificity($0.segments) }.max { $0.lexicographicallyPrecedes($1) }
        let allowed = matching.filter { Self.specificity($0.segments) == best }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        if allowed.isEmpty {
            // Nothing serves this path: an API path gets the API's 404, not an empty body.
            if segments.first == "api" && method != "GET" { throw APIError.notFound("route") }
            return try await next(request, context)
        }
        guard !allowed.contains(method) else { return try await next(request, context) }
        throw APIError.methodNotAllowed(allowed.sorted())
    }

    /// Literal segments, position by position (a literal beats a parameter, which beats "**").
    static func specificity(_ template: [Substring]) -> [Int] {
        template.map { $0 == "**" ? 0 : $0 == "*" ? 1 : 2 }
    }

    /// Whether a path matches a template; the web client's catch-all does not cover `/api/`.
    static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        if template.last == "**" {
            return path.first != "api" && path.count >= template.count - 1
                && zip(template.dropLast(), path).allSatisfy { $0 == "*" || $0 == $1 }
        }
        return template.count == path.count && zip(template, path).allSatisfy { $0 == "*" || $0 == $1 }
    }
}
