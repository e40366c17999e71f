import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The FTP door (RFC 959, 2389 FEAT, 2428 EPSV, 3659 MLSD/MLST/SIZE/MDTM/REST, 4217 AUTH TLS),
/// for FileZilla, Total Commander, FAR and lftp: the same areas, rights, names, quotas and events
/// as WebDAV and the web (docs/files.md). Off unless a port is configured (`--ftp-port`).
final class FTPServer: Service, Sendable {
    struct Settings: Sendable {
        var host: String
        var port: Int
        /// Passive data ports; nil: any free port.
        var passivePorts: ClosedRange<Int>?
        var allowPlainPasswords: Bool
        var idleSeconds: Int
        var connectionsPerAddress: Int
    }

    let settings: Settings
    let files: FileService
    let login: DoorLogin
    let tls: ServerTLS?
    let logger: Logger
    /// The bound control port (tests bind port 0).
    let boundPort = Mutex<Int?>(nil)
    private let perAddress = Mutex<[String: Int]>([:])
    private let nextPassive = Mutex<Int>(0)

    init(settings: Settings, files: FileService, login: DoorLogin, tls: ServerTLS?, logger: Logger) {
        self.settings = settings
        self.files = files
        self.login = login
        self.tls = tls
        self.logger = logger
    }

    func run() async throws {
        let server = try await ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .bind(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FTPLineDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        boundPort.withLock { $0 = server.channel.localAddress?.port }
        logger.info("FTP listening", metadata: ["ftp.port": "\(server.channel.localAddress?.port ?? 0)",
                                                "ftp.tls": "\(tls != nil)", "ftp.plainPasswords": "\(settings.allowPlainPasswords)"])
        if tls == nil && !settings.allowPlainPasswords {
            logger.warning("FTP has no certificate and plain passwords are not allowed: nobody can log in")
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        let address = connection.channel.remoteAddress?.ipAddress ?? "unknown"
                        guard admit(address) else {
                            try? await connection.executeThenClose { _, outbound in
                                try await outbound.write(ByteBuffer(string: "421 Too many connections from your address.\r\n"))
                            }
                            continue
                        }
                        group.addTask {
                            defer { self.leave(address) }
                            let session = FTPSession(server: self, connection: connection, address: address)
                            await session.run()
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    private func admit(_ address: String) -> Bool {
        perAddress.withLock { counts in
            guard counts[address, default: 0] < settings.connectionsPerAddress else { return false }
            counts[address, default: 0] += 1
            return true
        }
    }

    private func leave(_ address: String) {
        perAddress.withLock { counts in
            counts[address, default: 1] -= 1
            if counts[address] == 0 { counts[address] = nil }
        }
    }

    /// The next passive port to try, going round the configured range.
    func passiveCandidates() -> [Int] {
        guard let range = settings.passivePorts else { return [0] }
        let start = nextPassive.withLock { next -> Int in
            defer { next += 1 }
            return next
        }
        let count = range.count
        return (0..<min(count, 64)).map { range.lowerBound + (start + $0) % count }
    }
}

/// Lines of the control connection, at most 8 KiB each (a longer one closes it: no command is).
struct FTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    static let maximum = 8192

    struct TooLong: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximum { throw TooLong() }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maximum, var line = buffer.readSlice(length: length) else { throw TooLong() }
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)! }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        .needMoreData
    }
}
