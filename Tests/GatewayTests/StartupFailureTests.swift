import Fixtures
import Foundation
@testable import Gateway
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// Every way `causerie serve` can fail to start ends the process at once, non-zero, with words
/// for the operator — never a process that logs "views rebuilt", never listens and ignores
/// SIGTERM (a port already in use once did exactly that).
@Suite("Start-up failures", .serialized)
struct StartupFailureTests {
    /// Runs `causerie` with `arguments`; its status and standard error, or nil if it still runs after 15 s.
    static func run(_ arguments: [String]) async throws -> (status: Int32, errors: String)? {
        let process = Process()
        process.executableURL = ProcessTests.executable
        // Never an mDNS announcement outside a test network namespace.
        process.arguments = arguments.first == "serve" ? arguments + ["--no-mdns"] : arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<300 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// A listening socket on 127.0.0.1 that some other program holds.
    static func occupied() async throws -> (port: Int, channel: any Channel) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel.localAddress!.port!, channel)
    }

    @Test func aPortInUseIsSaidAtOnce() async throws {
        let directory = NSTemporaryDirectory() + "causerie-start-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (port, holder) = try await Self.occupied()
        defer { holder.close(promise: nil) }
        let result = try #require(try await Self.run(["serve", "--data", directory, "--host", "127.0.0.1", "--port", "\(port)"]),
                                  "serve on a port in use must not hang")
        #expect(result.status != 0)
        #expect(result.errors.contains("port \(port) is already in use (another Causerie? change --port)"), "\(result.errors)")
        #expect(!result.errors.contains("Usage:"), "not a usage error: \(result.errors)")
    }

    @Test func otherFailuresEndTheProcessWithAReason() async throws {
        let base = NSTemporaryDirectory() + "causerie-start-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let file = base + "/a-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("not a directory".utf8))
        let badConfig = base + "/bad.json"
        _ = FileManager.default.createFile(atPath: badConfig, contents: Data(#"{"limits": {"maxFrameBytes": 4611686018427387904}}"#.utf8))
        let badTLS = base + "/bad-tls.json"
        _ = FileManager.default.createFile(atPath: badTLS, contents: Data(#"{"tls": {"mode": "off", "trustedProxies": ["proxy.lan"]}}"#.utf8))
        // An office authority whose key was lost: the start stops rather than make a new one.
        let halfAuthority = base + "/d7"
        try FileManager.default.createDirectory(atPath: halfAuthority + "/tls", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: halfAuthority + "/tls/ca.crt", contents: Data("-----BEGIN CERTIFICATE-----\n".utf8))
        let port = try LocalPort.free()
        let cases: [([String], String)] = [
            (["serve", "--data", file, "--host", "127.0.0.1", "--port", "\(port)"], "a-file"),
            (["serve", "--data", base + "/d1", "--host", "127.0.0.1", "--port", "70000"], "--port must be 0 to 65535"),
            (["serve", "--data", base + "/d2", "--host", "127.0.0.1", "--port", "\(port)", "--config", badConfig],
             "limits.maxFrameBytes must be"),
            (["serve", "--data", base + "/d3", "--host", "192.0.2.77", "--port", "\(port)"], "not an address of this machine"),
            (["serve", "--data", base + "/d4", "--port", "\(port)", "--tls", "sometimes"], "--tls must be office, files or off"),
            (["serve", "--data", base + "/d5", "--host", "127.0.0.1", "--port", "\(port)", "--tls", "files"],
             "needs both tls.certificate and tls.key"),
            (["serve", "--data", base + "/d6", "--host", "127.0.0.1", "--port", "\(port)", "--config", badTLS],
             "tls.trustedProxies holds proxy.lan, which is not an IP address"),
            (["serve", "--data", halfAuthority, "--host", "127.0.0.1", "--port", "\(port)"], "holds only half of the office authority"),
        ]
        for (arguments, expected) in cases {
            let result = try #require(try await Self.run(arguments), "\(arguments) must not hang")
            #expect(result.status != 0, "\(arguments)")
            #expect(result.errors.contains(expected), "\(arguments): \(result.errors)")
        }
    }

    /// The server started in-process (as the tests and `serve` do) on a port taken after any
    /// check: `runService` must throw promptly instead of waiting for a dispatcher it cancelled.
    @Test func theServiceGroupEndsWhenTheListenerCannotBind() async throws {
        let directory = NSTemporaryDirectory() + "causerie-start-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (port, holder) = try await Self.occupied()
        defer { holder.close(promise: nil) }
        let configuration = ServerConfiguration(dataDirectory: directory, host: "127.0.0.1", port: port,
                                                passwords: .testing, initialMapSize: 1 << 24)
        let server = try await ChatServer.open(configuration, logger: TestServer.quiet)
        defer { server.close() }
        let app = server.application()
        let ended = Task { () -> (any Error)? in
            do {
                let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: TestServer.quiet))
                try await group.run()
                return nil
            } catch {
                return error
            }
        }
        let outcome = try await withThrowingTaskGroup(of: (any Error)??.self) { group in
            group.addTask { await ended.value }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return .some(nil)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        let error = try #require(outcome, "the service group is still running 10 s after the bind failed")
        #expect((error as? IOError)?.errnoCode == EADDRINUSE, "\(String(describing: error))")
    }
}
