import CauserieClient
import Foundation
@testable import Gateway
import Hummingbird
import Logging
import Projections
import ServiceLifecycle
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real server on port 0 with a temporary store, as `causerie serve` runs it.
final class TestServer: Sendable {
    let directory: String
    let server: ChatServer
    let port: Int
    let adminPassword: String
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    static func start(directory: String? = nil, _ change: (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> TestServer
    {
        let directory = directory ?? NSTemporaryDirectory() + "causerie-e2e-" + UUID().uuidString
        var configuration = ServerConfiguration(
            dataDirectory: directory, host: "127.0.0.1", port: 0, serverName: "Test office",
            passwords: .testing, initialMapSize: 1 << 24)
        change(&configuration)
        let server = try await ChatServer.open(configuration, logger: quiet)
        let first = Mutex<String?>(nil)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = server.application(
            onFirstStart: { start in first.withLock { $0 = start.password } },
            onRunning: { port in portContinuation.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: quiet))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestError("server did not start") }
        await server.ready()
        return TestServer(directory: directory, server: server, port: port, adminPassword: first.withLock { $0 } ?? "",
                          group: group, running: running)
    }

    private init(directory: String, server: ChatServer, port: Int, adminPassword: String, group: ServiceGroup,
                 running: Task<Void, any Error>) {
        self.directory = directory
        self.server = server
        self.port = port
        self.adminPassword = adminPassword
        self.group = group
        self.running = running
    }

    /// Stops serving and closes the store (the directory stays, for a restart).
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        server.close()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var core: ChatCore { server.core }

    // MARK: HTTP

    struct HTTPResult: Sendable {
        var status: Int
        var body: JSONValue
        var headers: [String: String]
    }

    func http(_ method: String, _ path: String, token: String? = nil, body: String? = nil,
              headers: [String: String] = [:]) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let parsed = (try? JSONValue(parsing: data)) ?? .string(String(decoding: data, as: UTF8.self))
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
        return HTTPResult(status: http.statusCode, body: parsed, headers: fields)
    }

    /// Logs in (changing the administrator's one-time password on the way) and returns a token.
    func adminToken() async throws -> String {
        let login = try await http("POST", "/api/v1/login",
                                   body: jsonText(["username": "admin", "password": adminPassword]))
        guard let token = login.body["token"]?.string else {
            // The one-time password was already changed by an earlier call.
            let again = try await http("POST", "/api/v1/login", body: jsonText(["username": "admin", "password": "admin-password-1"]))
            return again.body["token"]!.string!
        }
        if login.body["mustChangePassword"]?.bool == true {
            let change = try await http("PUT", "/api/v1/me/password", token: token,
                                        body: jsonText(["current": adminPassword, "new": "admin-password-1"]))
            guard change.status == 200 else { throw TestError("password change failed: \(change.body)") }
        }
        return token
    }

    /// Lets tests post bursts: the default anti-flood limit (20 at once) would refuse them.
    func relaxFloodLimit() async throws {
        let admin = try await adminToken()
        let result = try await http("PUT", "/api/v1/admin/filters", token: admin,
                                    body: jsonText(["floodBurst": 10_000, "floodPerMinute": 100_000]))
        guard result.status == 200 else { throw TestError("flood limit: \(result.body)") }
    }

    /// Registers a user and returns their id and token.
    func register(_ name: String, password: String = "password-123") async throws -> (user: String, token: String) {
        let result = try await http("POST", "/api/v1/register", body: jsonText([
            "username": name, "password": password, "email": "\(name)@office.lan", "displayName": name.capitalized,
            "question": "First pet?", "answer": "Rex",
        ]))
        guard result.status == 201, let token = result.body["token"]?.string, let user = result.body["user"]?.string else {
            throw TestError("registration of \(name) failed: \(result.status) \(result.body)")
        }
        return (user, token)
    }

    /// A WebSocket client that said hello.
    func client(_ token: String, lastSeen: UInt64? = nil) async throws -> TestClient {
        let client = try await TestClient.connect(port: port)
        try await client.hello(token, lastSeen: lastSeen)
        return client
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
