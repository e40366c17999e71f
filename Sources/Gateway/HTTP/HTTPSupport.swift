import Operations
import Foundation
public import HTTPTypes
public import Hummingbird
public import NIOCore
import Projections
import Wire

/// The request context: Hummingbird's, plus the client's address (rate limits and address
/// rules use the socket's address, never a header a client could forge, unless the socket is a
/// configured reverse proxy's: ClientAddress).
public struct CauserieContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection (ExpectContinueMiddleware writes its interim answer there).
    let channel: any Channel
    /// Set by ClientAddressMiddleware when a trusted proxy forwarded the request.
    var forwardedAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// The socket peer's IP address as text ("unknown" for a Unix socket).
    var peerAddress: String { remoteAddress?.ipAddress ?? "unknown" }
    /// The client's address: the peer's, or the one a trusted proxy forwarded.
    var address: String { forwardedAddress ?? peerAddress }
}

/// Reads X-Forwarded-For from configured proxies only (docs/tls.md).
struct ClientAddressMiddleware: RouterMiddleware {
    let rule: ClientAddress

    func handle(_ request: Request, context: CauserieContext, next: (Request, CauserieContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let resolved = rule.resolve(peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor])
        if resolved != context.peerAddress { context.forwardedAddress = resolved }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}

extension APIError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var json = JSONWriter()
        json.beginObject()
        json.field("code", code)
        json.field("reason", reason)
        json.field("message", message)
        if let retryAfter { json.field("retryAfter", retryAfter) }
        json.endObject()
        var headers = HTTPFields.api
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow.joined(separator: ", ") }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}

extension HTTPFields {
    /// Headers of every API response: JSON, never cached, never sniffed as something else.
    static var api: HTTPFields {
        [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store", .xContentTypeOptions: "nosniff"]
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}

/// Helpers every route uses.
struct HTTPKit: Sendable {
    let core: ChatCore

    /// Renders a value as a JSON response.
    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: .api, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Raw JSON bytes as a response.
    func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: .api, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"position": N, …}`: what every change answers, 200 or (`created`) 201. Positions are
    /// JSON integers everywhere; the extra fields are strings (ids, a bot's token).
    func ok(position: UInt64?, _ extra: [String: String] = [:], status: HTTPResponse.Status = .ok) -> Response {
        var json = JSONWriter()
        json.beginObject()
        json.field("position", position)
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { json.field(key, value) }
        json.endObject()
        return self.json(bytes: json.bytes, status: status)
    }

    func created(position: UInt64, _ extra: [String: String] = [:]) -> Response {
        ok(position: position, extra, status: .created)
    }

    /// The request body decoded as `T`, within the body size limit. With `emptyIs`, a request
    /// without a body stands for that value (every field of the body is optional).
    /// `limit` raises the size limit for the few bodies that are lists by nature (a shared folder).
    func body<T: Decodable>(_ type: T.Type, _ request: Request, emptyIs empty: T? = nil, limit: Int? = nil) async throws(APIError) -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit ?? core.configuration.limits.maxBodyBytes)
        } catch {
            throw APIError.tooLarge("body")
        }
        if let empty, buffer.readableBytes == 0 { return empty }
        guard String(validating: buffer.readableBytesView, as: UTF8.self) != nil else { throw APIError.invalid("invalid_utf8") }
        do throws(Rejection) {
            return try WireDecoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(error)
        }
    }

    /// The caller, from `Authorization: Bearer <token>`. An account still holding its one-time
    /// password may only read itself, change the password and log out (`pendingPasswordChange`):
    /// everything else answers 403 `password_change_required`, reads included.
    /// The caller, who must be an administrator (every admin route, over every door).
    func administrator(_ request: Request) throws(APIError) -> UserID {
        let (user, _) = try caller(request)
        guard core.withState({ $0.isAdministrator(user) }) else {
            throw APIError(code: "forbidden", reason: "missing_permission:administer", status: 403)
        }
        return user
    }

    func caller(_ request: Request, pendingPasswordChange allowed: Bool = false) throws(APIError)
        -> (user: UserID, tokenHash: String)
    {
        let header = request.headers[.authorization] ?? ""
        guard header.lowercased().hasPrefix("bearer ") else { throw APIError.unauthorized }
        let caller = try core.authenticate(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        if !allowed, core.withState({ $0.accounts[caller.user]?.mustChangePassword == true }) {
            throw APIError(Rejection.forbidden("password_change_required"))
        }
        return caller
    }

    func parameter(_ name: String, _ context: CauserieContext) throws(APIError) -> String {
        guard let value = context.parameters.get(name), !value.isEmpty, value.utf8.count <= 128 else {
            throw APIError.invalid("parameter:\(name)")
        }
        return value
    }

    /// A numeric path parameter, checked like every number from outside.
    func number<N: CheckedNumber>(_ name: String, _ context: CauserieContext, as type: N.Type) throws(APIError) -> N {
        let text = try parameter(name, context)
        do throws(Rejection) {
            return try N(parsing: Substring(text), field: name)
        } catch {
            throw APIError(error)
        }
    }

    /// The request's query string, refusing parameters the route does not name (`Query`).
    func query(_ request: Request, allowing names: Set<String> = []) throws(APIError) -> Query {
        do throws(Rejection) {
            return try Query(request.uri.query.map { Substring($0) }, allowed: names)
        } catch {
            throw APIError(error)
        }
    }

    var now: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
}

/// Refuses addresses the admin's rules exclude, before anything else runs.
struct AddressRulesMiddleware: RouterMiddleware {
    let core: ChatCore

    func handle(_ request: Request, context: CauserieContext, next: (Request, CauserieContext) async throws -> Response)
        async throws -> Response
    {
        guard core.addressAllowed(context.address) else {
            throw APIError(code: "forbidden", reason: "address_denied", status: 403)
        }
        return try await next(request, context)
    }
}
