import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging
import NIOCore
import NIOPosix

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the office chat (HTTP and WebSocket) from the event log.",
        discussion: """
            On first start with an empty data directory, an administrator account 'admin' is created with a \
            random one-time password, printed once here; the first login must change it.
            Options override the configuration file (docs/configuration.md).
            """)

    @Option(name: .long, help: "The data directory holding the event log (default ./data).")
    var data: String?

    @Option(name: .long, help: "Address to listen on (default 0.0.0.0: every interface).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default 8080; no root needed).")
    var port: Int?

    @Option(name: .long, help: "A JSON configuration file.")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Run Swift tasks on NIO's event loops (measured slower for fan-out here; see docs/benchmarks.md).")
    var nioExecutor = false

    func run() async throws {
        if nioExecutor {
            // Measured with causerie-bench fanout (docs/benchmarks.md): tasks and sockets share threads.
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let file = try config.map(ConfigurationFile.load) ?? ConfigurationFile()
        let level = Logger.Level(rawValue: logLevel ?? file.logLevel ?? "info") ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "causerie")
        var configuration = file.serverConfiguration()
        if let data { configuration.dataDirectory = data }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let listenHost = configuration.host
        let server = try await ChatServer.open(configuration, logger: logger)
        let app = server.application(
            onFirstStart: { first in
                let banner = """

                    ==============================================================
                     First start: an administrator account was created.
                       user name: \(first.username)
                       one-time password: \(first.password)
                     Log in and choose a new password; this one is shown only now.
                    ==============================================================

                    """
                FileHandle.standardOutput.write(Data(banner.utf8))
            },
            onRunning: { port in
                logger.info("listening", metadata: ["http.host": "\(listenHost)", "http.port": "\(port)"])
            })
        try await app.runService()
        server.close()
        logger.info("stopped")
    }
}

/// The configuration file: JSON, every key optional (docs/configuration.md).
struct ConfigurationFile: Codable {
    var data: String?
    var host: String?
    var port: Int?
    var serverName: String?
    var logLevel: String?
    var webRoot: String?
    var limits: Limits?
    var scrypt: Scrypt?

    struct Limits: Codable {
        var maxFrameBytes: Int?
        var maxBodyBytes: Int?
        var maxHeaderFieldBytes: Int?
        var maxHeaderBytes: Int?
        var maxHeaderCount: Int?
        var connectionsPerAddress: Int?
        var maxConnections: Int?
        var outboxFrames: Int?
        var helloTimeoutSeconds: Int?
        var loginFailuresPerAccount: Int?
        var loginFailuresPerAddress: Int?
        var historyPage: Int?
        /// Days (fractions allowed) a login session may go unused; 0: never.
        var sessionIdleDays: Double?
    }

    struct Scrypt: Codable {
        var n: UInt64?
        var r: UInt64?
        var p: UInt64?
    }

    static func load(_ path: String) throws -> ConfigurationFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read the configuration file \(path): \(error.localizedDescription)")
        }
        let file: ConfigurationFile
        do {
            file = try JSONDecoder().decode(ConfigurationFile.self, from: data)
        } catch {
            throw ValidationError("the configuration file \(path) is not valid: \(error)")
        }
        if let days = file.limits?.sessionIdleDays, !(0...Self.maxSessionIdleDays).contains(days) {
            throw ValidationError(
                "the configuration file \(path) is not valid: limits.sessionIdleDays must be 0 (never) to \(Int(Self.maxSessionIdleDays)) days, not \(days)")
        }
        return file
    }

    /// A century: beyond it "never" (0) says the same, and days × µs must fit in 64 bits.
    static let maxSessionIdleDays: Double = 36_500

    func serverConfiguration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let data { configuration.dataDirectory = data }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let serverName { configuration.serverName = serverName }
        if let webRoot { configuration.webRoot = webRoot }
        if let limits {
            var value = configuration.limits
            if let v = limits.maxFrameBytes { value.maxFrameBytes = v }
            if let v = limits.maxBodyBytes { value.maxBodyBytes = v }
            if let v = limits.maxHeaderFieldBytes { value.maxHeaderFieldBytes = v }
            if let v = limits.maxHeaderBytes { value.maxHeaderBytes = v }
            if let v = limits.maxHeaderCount { value.maxHeaderCount = v }
            if let v = limits.connectionsPerAddress { value.connectionsPerAddress = v }
            if let v = limits.maxConnections { value.maxConnections = v }
            if let v = limits.outboxFrames { value.outboxFrames = v }
            if let v = limits.helloTimeoutSeconds { value.helloTimeoutSeconds = v }
            if let v = limits.loginFailuresPerAccount { value.loginFailuresPerAccount = v }
            if let v = limits.loginFailuresPerAddress { value.loginFailuresPerAddress = v }
            if let v = limits.historyPage { value.historyPage = v }
            if let v = limits.sessionIdleDays { value.sessionIdleSeconds = Int((v * 86_400).rounded()) }
            configuration.limits = value
        }
        if let scrypt {
            configuration.passwords = .init(n: scrypt.n ?? configuration.passwords.n, r: scrypt.r ?? configuration.passwords.r,
                                            p: scrypt.p ?? configuration.passwords.p)
        }
        return configuration
    }
}
