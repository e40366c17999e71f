import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

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

    @Option(name: .long, help: "TLS: office (the server's own certificate authority, the default), files (--tls-certificate and --tls-key), off (behind a reverse proxy). See docs/tls.md.")
    var tls: String?

    @Option(name: .long, help: "With --tls files: the PEM certificate chain (re-read on SIGHUP).")
    var tlsCertificate: String?

    @Option(name: .long, help: "With --tls files: the PEM private key (re-read on SIGHUP).")
    var tlsKey: String?

    @Option(name: .long, help: "UDP port answering LAN discovery (default 8089; 0: off). See docs/discovery.md.")
    var discoveryPort: Int?

    @Flag(name: .long, inversion: .prefixedNo, help: "Announce the server over mDNS/DNS-SD as _causerie._tcp and _https._tcp (default on). See docs/discovery.md.")
    var mdns: Bool?

    @Flag(name: .customLong("allow-plain-passwords"), help: "Let WebDAV (and FTP) take passwords over plain HTTP: only on a trusted LAN, behind no TLS. See docs/files.md.")
    var allowPlainPasswords = false

    @Option(name: .customLong("ftp-port"), help: "Serve FTP (explicit TLS when the server has a certificate) on this port, e.g. 2121 (default: no FTP). See docs/files.md.")
    var ftpPort: Int?

    @Option(name: .customLong("ftp-passive-ports"), help: "FTP passive data ports, e.g. 50000-50100 (default: any free port).")
    var ftpPassivePorts: String?

    /// "50000-50100" → 50000...50100 (validated first).
    static func portRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, (1024...65_535).contains(parts[0]), (parts[0]...65_535).contains(parts[1]) else { return nil }
        return parts[0]...parts[1]
    }

    func validate() throws {
        if let ftpPort, !(0...65_535).contains(ftpPort) { throw ValidationError("--ftp-port must be 0 to 65535, not \(ftpPort)") }
        if let ftpPassivePorts, Self.portRange(ftpPassivePorts) == nil {
            throw ValidationError("--ftp-passive-ports must be a range like 50000-50100 (above 1023), not \(ftpPassivePorts)")
        }
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be 0 to 65535, not \(port)") }
        if let discoveryPort, !(0...65_535).contains(discoveryPort) {
            throw ValidationError("--discovery-port must be 0 (off) to 65535, not \(discoveryPort)")
        }
        if let tls, TLSSettings.Mode(rawValue: tls) == nil {
            throw ValidationError("--tls must be office, files or off, not \(tls)")
        }
    }

    @Option(name: .long, help: "A JSON configuration file.")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Run Swift tasks on NIO's event loops (measured slower for fan-out here; see docs/benchmarks.md).")
    var nioExecutor = false

    func run() async throws {
        // Measurement only (docs/benchmarks.md, fanout): how many event loops serve the sockets.
        if let loops = ProcessInfo.processInfo.environment["CAUSERIE_EVENT_LOOPS"].flatMap(Int.init), (1...64).contains(loops) {
            NIOSingletons.groupLoopCountSuggestion = loops
        }
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
        if let tls, let mode = TLSSettings.Mode(rawValue: tls) { configuration.tls.mode = mode }
        if let tlsCertificate { configuration.tls.certificateFile = tlsCertificate }
        if let tlsKey { configuration.tls.keyFile = tlsKey }
        if let discoveryPort { configuration.discoveryPort = discoveryPort == 0 ? nil : discoveryPort }
        if let mdns { configuration.multicastDNS = mdns }
        if allowPlainPasswords { configuration.allowPlainPasswords = true }
        if let ftpPort { configuration.ftpPort = ftpPort }
        if let ftpPassivePorts { configuration.ftpPassivePorts = Self.portRange(ftpPassivePorts) }
        let listenHost = configuration.host
        // Before the log is opened and folded (seconds on a large one): a port already taken
        // is said at once, and plainly.
        try await Self.checkPortIsFree(host: configuration.host, port: configuration.port)
        let server: ChatServer
        do {
            server = try await ChatServer.open(configuration, logger: logger)
        } catch let failure as TLSFailure {
            throw StartupFailure(failure.description)
        }
        let hangUp = Self.onHangUp { server.reloadTLS() }
        defer { hangUp.cancel() }
        let firstStart = Mutex<ChatCore.FirstStart?>(nil)
        let app = server.application(
            onFirstStart: { first in firstStart.withLock { $0 = first } },
            onRunning: { port in
                logger.info("listening", metadata: ["http.host": "\(listenHost)", "http.port": "\(port)"])
                // Once the views are ready (and a first start has created the administrator).
                await server.ready()
                let banner = Self.banner(urls: LocalAddresses.urls(host: listenHost, port: port, scheme: server.tls == nil ? "http" : "https"),
                                         authority: server.tls?.current.authority, firstStart: firstStart.withLock { $0 })
                FileHandle.standardOutput.write(Data(banner.utf8))
            })
        do {
            try await app.runService()
        } catch {
            server.close()
            // Taken meanwhile (another process started between the check and the bind).
            if Self.isAddressInUse(error) { throw Self.portInUse(configuration.port) }
            throw error
        }
        server.close()
        logger.info("stopped")
    }

    /// What an operator needs once the server answers: where to open it, the first
    /// administrator's one-time password (first start only), and how to stop.
    static func banner(urls: [String], authority: ServerTLS.Authority? = nil, firstStart: ChatCore.FirstStart?) -> String {
        var lines = ["", String(repeating: "=", count: 66), " Causerie is running. Open it in a browser:"]
        lines += urls.map { "   " + $0 }
        if let authority {
            lines += [
                "", " Connections are encrypted with this office's own certificate authority.",
                " Each device trusts it once: opening the address with http:// shows how.",
                " Its SHA-256 fingerprint, to compare with what the device shows:",
                "   " + authority.fingerprint,
            ]
        }
        if let firstStart {
            lines += [
                "", " First start: an administrator account was created.",
                "   user name: \(firstStart.username)",
                "   one-time password: \(firstStart.password)",
                " Log in with it and choose a new password; it is shown only now.",
            ]
        }
        lines += ["", " Stop the server with Ctrl+C (or: kill -TERM \(getpid())).", String(repeating: "=", count: 66), "", ""]
        return lines.joined(separator: "\n")
    }

    /// SIGHUP: re-read the certificate files (or renew the office certificate if due), as
    /// nginx and most daemons do; the default action would end the process.
    static func onHangUp(_ action: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        return source
    }

    static func portInUse(_ port: Int) -> StartupFailure {
        StartupFailure("port \(port) is already in use (another Causerie? change --port)")
    }

    static func isAddressInUse(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == EADDRINUSE
    }

    /// Binds the address and lets it go again; throws a clear error when the port is taken or
    /// the address is not one of this machine's.
    static func checkPortIsFree(host: String, port: Int) async throws {
        guard port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch where isAddressInUse(error) {
            throw portInUse(port)
        } catch let error as IOError where error.errnoCode == EACCES {
            throw StartupFailure("port \(port) needs more rights than this user has (use a port above 1023)")
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
            throw StartupFailure("\(host) is not an address of this machine (change --host)")
        }
    }
}

/// Why `serve` could not start, in words for the operator (printed as "Error: …", exit status 1,
/// without the usage text that a mistyped option gets).
struct StartupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
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
    var tls: TLS?
    /// 0: LAN discovery off.
    var discoveryPort: Int?
    /// false: no mDNS announcement.
    var mdns: Bool?
    var allowPlainPasswords: Bool?
    var ftpPort: Int?
    var ftpPassivePorts: String?
    var calls: Calls?

    struct Calls: Codable {
        var iceServers: [ServerConfiguration.IceServer]?
    }

    struct TLS: Codable {
        var mode: String?
        var names: [String]?
        var certificate: String?
        var key: String?
        var trustedProxies: [String]?
    }

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
        var callRingSeconds: Int?
        var headerTimeoutSeconds: Int?
        var bodyMinimumBytesPerSecond: Int?
        var idleTimeoutSeconds: Int?
        var loginFailuresPerAccount: Int?
        var loginFailuresPerAddress: Int?
        var historyPage: Int?
        var searchBurst: Int?
        var searchesPerMinute: Int?
        var deadlineReminderMinutes: Int?
        var deadlineCheckSeconds: Int?
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
        if let mode = file.tls?.mode, TLSSettings.Mode(rawValue: mode) == nil {
            throw ValidationError("the configuration file \(path) is not valid: tls.mode must be office, files or off, not \(mode)")
        }
        for proxy in file.tls?.trustedProxies ?? [] where !TLSSettings.isIPAddress(proxy) {
            throw ValidationError("the configuration file \(path) is not valid: tls.trustedProxies holds \(proxy), which is not an IP address")
        }
        for name in file.tls?.names ?? [] where !TLSSettings.isCertificateName(name) {
            throw ValidationError(
                "the configuration file \(path) is not valid: tls.names holds \"\(name)\", which is neither a host name nor an IP address")
        }
        let servers = file.calls?.iceServers ?? []
        if servers.count > 8 { throw ValidationError("the configuration file \(path) is not valid: calls.iceServers holds at most 8 servers") }
        for server in servers {
            if let problem = server.problem { throw ValidationError("the configuration file \(path) is not valid: calls.iceServers: \(problem)") }
        }
        if let days = file.limits?.sessionIdleDays, !(0...Self.maxSessionIdleDays).contains(days) {
            throw ValidationError(
                "the configuration file \(path) is not valid: limits.sessionIdleDays must be 0 (never) to \(Int(Self.maxSessionIdleDays)) days, not \(days)")
        }
        for (key, value, range) in file.numbers() {
            guard let value else { continue }
            guard range.contains(value) else {
                throw ValidationError(
                    "the configuration file \(path) is not valid: \(key) must be \(range.lowerBound) to \(range.upperBound), not \(value)")
            }
        }
        return file
    }

    /// Every integer of the file with the values it may take (docs/configuration.md): numbers
    /// from outside are checked before they size a buffer or enter arithmetic (a frame limit of
    /// 2^62 once overflowed at start).
    func numbers() -> [(String, Int?, ClosedRange<Int>)] {
        let mib = 1 << 20
        return [
            ("port", port, 0...65_535),
            ("discoveryPort", discoveryPort, 0...65_535),
            ("limits.maxFrameBytes", limits?.maxFrameBytes, 1024...(64 * mib)),
            ("limits.maxBodyBytes", limits?.maxBodyBytes, 1024...(1024 * mib)),
            ("limits.maxHeaderFieldBytes", limits?.maxHeaderFieldBytes, 256...mib),
            ("limits.maxHeaderBytes", limits?.maxHeaderBytes, 1024...(4 * mib)),
            ("limits.maxHeaderCount", limits?.maxHeaderCount, 8...10_000),
            ("limits.connectionsPerAddress", limits?.connectionsPerAddress, 1...1_000_000),
            ("limits.maxConnections", limits?.maxConnections, 1...10_000_000),
            ("limits.outboxFrames", limits?.outboxFrames, 16...1_000_000),
            ("limits.helloTimeoutSeconds", limits?.helloTimeoutSeconds, 1...3600),
            ("limits.callRingSeconds", limits?.callRingSeconds, 1...600),
            ("limits.headerTimeoutSeconds", limits?.headerTimeoutSeconds, 1...3600),
            ("limits.bodyMinimumBytesPerSecond", limits?.bodyMinimumBytesPerSecond, 0...(1024 * mib)),
            ("limits.idleTimeoutSeconds", limits?.idleTimeoutSeconds, 1...86_400),
            ("limits.loginFailuresPerAccount", limits?.loginFailuresPerAccount, 1...1_000_000),
            ("limits.loginFailuresPerAddress", limits?.loginFailuresPerAddress, 1...1_000_000),
            ("limits.historyPage", limits?.historyPage, 1...200),
            ("limits.searchBurst", limits?.searchBurst, 1...1_000_000),
            ("limits.searchesPerMinute", limits?.searchesPerMinute, 1...60_000_000),
            ("limits.deadlineReminderMinutes", limits?.deadlineReminderMinutes, 1...525_600),
            ("limits.deadlineCheckSeconds", limits?.deadlineCheckSeconds, 1...3600),
            ("scrypt.n", scrypt?.n.map { Int(clamping: $0) }, 2...(1 << 24)),
            ("scrypt.r", scrypt?.r.map { Int(clamping: $0) }, 1...64),
            ("scrypt.p", scrypt?.p.map { Int(clamping: $0) }, 1...64),
        ]
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
            if let v = limits.callRingSeconds { value.callRingSeconds = v }
            if let v = limits.headerTimeoutSeconds { value.headerTimeoutSeconds = v }
            if let v = limits.bodyMinimumBytesPerSecond { value.bodyMinimumBytesPerSecond = v }
            if let v = limits.idleTimeoutSeconds { value.idleTimeoutSeconds = v }
            if let v = limits.loginFailuresPerAccount { value.loginFailuresPerAccount = v }
            if let v = limits.loginFailuresPerAddress { value.loginFailuresPerAddress = v }
            if let v = limits.historyPage { value.historyPage = v }
            if let v = limits.searchBurst { value.searchBurst = v }
            if let v = limits.searchesPerMinute { value.searchesPerMinute = v }
            if let v = limits.deadlineReminderMinutes { value.deadlineReminderMinutes = v }
            if let v = limits.deadlineCheckSeconds { value.deadlineCheckSeconds = v }
            if let v = limits.sessionIdleDays { value.sessionIdleSeconds = Int((v * 86_400).rounded()) }
            configuration.limits = value
        }
        let discovery = discoveryPort ?? DiscoveryMessage.defaultPort
        configuration.discoveryPort = discovery == 0 ? nil : discovery
        configuration.multicastDNS = mdns ?? true
        configuration.allowPlainPasswords = allowPlainPasswords ?? false
        configuration.ftpPort = ftpPort
        configuration.ftpPassivePorts = ftpPassivePorts.flatMap(Serve.portRange)
        configuration.iceServers = calls?.iceServers ?? []
        // `serve` speaks HTTPS with the office authority unless told otherwise (ADR 010).
        configuration.tls = TLSSettings(mode: tls?.mode.flatMap(TLSSettings.Mode.init(rawValue:)) ?? .office)
        configuration.tls.names = tls?.names ?? []
        configuration.tls.certificateFile = tls?.certificate
        configuration.tls.keyFile = tls?.key
        configuration.tls.trustedProxies = tls?.trustedProxies ?? []
        if let scrypt {
            configuration.passwords = .init(n: scrypt.n ?? configuration.passwords.n, r: scrypt.r ?? configuration.passwords.r,
                                            p: scrypt.p ?? configuration.passwords.p)
        }
        return configuration
    }
}
