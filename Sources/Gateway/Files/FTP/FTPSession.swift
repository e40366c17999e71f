import EventStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Operations
import Projections
import Synchronization

/// One FTP control connection: its login, working folder, data-connection plan and protection
/// level, driven by one task (so plain stored properties). The paths and the decisions are the
/// file server's (FileService.resolve, the domain's commands): FTP only translates.
final class FTPSession: @unchecked Sendable {
    let server: FTPServer
    let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let address: String
    var channel: any Channel { connection.channel }
    var files: FileService { server.files }
    var core: ChatCore { files.core }

    private var username: String?
    private var user: UserID?
    private var cwd: [String] = []
    private var secure = false
    private var protected = false
    private var restart: UInt64 = 0
    private var renameFrom: DAVPath?
    private var passive: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>?
    private var active: SocketAddress?
    /// Set during a transfer: the control connection is quiet then, and must not time out.
    let busy = Mutex(false)
    /// The last data connection was closed for not resuming the control connection's TLS session.
    private let notResumed = Mutex(false)

    static let dataTimeout: TimeAmount = .seconds(30)
    /// Data connections close their sending side first (TLS: our close_notify), then wait for the
    /// client to close: clients (Python's ftplib) that answer with their own close_notify expect
    /// the connection still open for it.
    static let dataConfiguration = NIOAsyncChannel<ByteBuffer, ByteBuffer>.Configuration(isOutboundHalfClosureEnabled: true)

    init(server: FTPServer, connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, address: String) {
        self.server = server
        self.connection = connection
        self.address = address
    }

    // MARK: The command loop

    func run() async {
        let idle = server.settings.idleSeconds
        try? await channel.pipeline.addHandler(FTPIdleCloser(seconds: idle, busy: self), position: .first)
        do {
            try await connection.executeThenClose { inbound, _ in
                try await reply(220, "Causerie file server ready.")
                for try await line in inbound {
                    guard let text = String(bytes: line.readableBytesView, encoding: .utf8) else {
                        try await reply(501, "Commands are UTF-8.")
                        continue
                    }
                    if try await !handle(text) { break }
                }
            }
        } catch {
            // The client went away, a line was too long, or TLS failed: nothing to answer.
        }
        closePassive()
    }

    func reply(_ code: Int, _ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: "\(code) \(text)\r\n"))
    }

    func replyLines(_ code: Int, _ lines: [String], _ last: String) async throws {
        var text = "\(code)-\(lines.first ?? "")\r\n"
        for line in lines.dropFirst() { text += " \(line)\r\n" }
        text += "\(code) \(last)\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// False when the session ends (QUIT).
    func handle(_ line: String) async throws -> Bool {
        let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        let space = trimmed.firstIndex(of: " ")
        let verb = String(trimmed[..<(space ?? trimmed.endIndex)]).uppercased()
        let argument = space.map { String(trimmed[trimmed.index(after: $0)...]) } ?? ""
        switch verb {
        case "QUIT":
            try await reply(221, "Goodbye.")
            return false
        case "NOOP": try await reply(200, "OK.")
        case "SYST": try await reply(215, "UNIX Type: L8")
        case "FEAT":
            try await replyLines(211, ["Features:", "UTF8", "MLST type*;size*;modify*;perm*;", "MLSD", "SIZE", "MDTM", "REST STREAM",
                                       "EPSV", "EPRT", "PASV"] + (server.tls != nil ? ["AUTH TLS", "PBSZ", "PROT"] : []), "End")
        case "OPTS":
            if argument.uppercased().hasPrefix("UTF8") { try await reply(200, "Always in UTF-8.") } else { try await reply(501, "Unknown option.") }
        case "AUTH": try await authTLS(argument)
        case "PBSZ": try await reply(secure ? 200 : 503, secure ? "PBSZ=0" : "AUTH TLS first.")
        case "PROT":
            guard secure else { try await reply(503, "AUTH TLS first."); break }
            switch argument.uppercased() {
            case "P": protected = true; try await reply(200, "Data connections are encrypted.")
            case "C":
                guard server.settings.allowPlainPasswords else { try await reply(534, "Data connections stay encrypted here."); break }
                protected = false
                try await reply(200, "Data connections in clear.")
            default: try await reply(504, "P or C.")
            }
        case "USER":
            username = argument
            user = nil
            try await reply(331, "Password, please.")
        case "PASS": try await pass(argument)
        case "HELP": try await reply(214, "See FEAT; the file server is described in docs/files.md.")
        default:
            guard let user else { try await reply(530, "Log in first."); break }
            try await loggedIn(verb, argument, user)
        }
        return true
    }

    private func authTLS(_ argument: String) async throws {
        guard ["TLS", "TLS-C", "SSL"].contains(argument.uppercased()), let tls = server.tls else {
            try await reply(504, "Only AUTH TLS, and only when the server has a certificate.")
            return
        }
        guard !secure else { try await reply(503, "Already encrypted."); return }
        // The TLS handler goes in as the 234 leaves, in the same event-loop turn: the client's
        // ClientHello follows at once and must not reach the line decoder.
        let channel = self.channel
        try await channel.eventLoop.flatSubmit {
            channel.writeAndFlush(ByteBuffer(string: "234 Starting TLS.\r\n")).flatMapThrowing {
                try channel.pipeline.syncOperations.addHandler(tls.makeFTPHandler().handler, position: .first)
            }
        }.get()
        secure = true
        username = nil
        user = nil
    }

    private func pass(_ password: String) async throws {
        guard let username else { try await reply(503, "USER first."); return }
        guard secure || server.settings.allowPlainPasswords else {
            try await reply(530, "Use AUTH TLS first: this server takes no password in clear text.")
            return
        }
        let refusal: DoorLogin.Refusal?
        do throws(DoorLogin.Refusal) {
            user = try await server.login.user(username: username, password: password, address: address)
            refusal = nil
        } catch {
            refusal = error
        }
        switch refusal {
        case nil:
            cwd = []
            try await reply(230, "Logged in.")
        case .throttled(let seconds): try await reply(421, "Too many failed attempts: wait \(seconds) s.")
        default: try await reply(530, "Wrong user name or password.")
        }
    }

    // MARK: Logged-in commands

    private func loggedIn(_ verb: String, _ argument: String, _ user: UserID) async throws {
        let areas = core.withState { DAVAreas(for: user, in: $0) }
        switch verb {
        case "PWD", "XPWD": try await reply(257, "\"\(display(cwd).replacingOccurrences(of: "\"", with: "\"\""))\" is the current folder.")
        case "CWD", "XCWD": try await changeFolder(argument, user, areas)
        case "CDUP", "XCUP": try await changeFolder("..", user, areas)
        case "TYPE":
            let kind = argument.uppercased()
            if kind.hasPrefix("I") || kind.hasPrefix("A") || kind.hasPrefix("L") { try await reply(200, "Type set (files are sent as they are).") }
            else { try await reply(504, "Type not supported.") }
        case "MODE": try await reply(argument.uppercased() == "S" ? 200 : 504, argument.uppercased() == "S" ? "Stream." : "Stream only.")
        case "STRU": try await reply(argument.uppercased() == "F" ? 200 : 504, argument.uppercased() == "F" ? "File." : "File only.")
        case "PASV": try await enterPassive(extended: false)
        case "EPSV":
            if argument.uppercased() == "ALL" { try await reply(200, "EPSV only from now on.") } else { try await enterPassive(extended: true) }
        case "PORT", "EPRT": try await enterActive(argument, extended: verb == "EPRT")
        case "REST":
            guard let offset = UInt64(argument) else { try await reply(501, "A byte offset."); break }
            restart = offset
            try await reply(350, "Restarting at \(offset).")
        case "LIST", "NLST", "MLSD": try await list(verb, argument, user, areas)
        case "MLST": try await mlst(argument, user, areas)
        case "SIZE", "MDTM":
            guard let path = path(argument), case .file(let file) = files.resolve(path, user, areas) else {
                try await reply(550, "No such file."); break
            }
            try await reply(213, verb == "SIZE" ? "\(file.blob.size)" : Self.mdtm(file.uploadedAt))
        case "RETR": try await retrieve(argument, user, areas)
        case "STOR": try await store(argument, user, areas)
        case "DELE": try await removeFile(argument, user, areas)
        case "MKD", "XMKD": try await makeFolder(argument, user, areas)
        case "RMD", "XRMD": try await removeFolder(argument, user, areas)
        case "RNFR":
            guard let path = path(argument) else { try await reply(553, "Not an allowed name."); break }
            switch files.resolve(path, user, areas) {
            case .file, .folder:
                renameFrom = path
                try await reply(350, "Ready for RNTO.")
            default: try await reply(550, "No such file or folder.")
            }
        case "RNTO": try await rename(argument, user, areas)
        case "ABOR": try await reply(226, "Nothing to abort.")
        case "ALLO": try await reply(202, "No need.")
        case "APPE", "STOU", "MFMT", "SITE": try await reply(502, "Not supported.")
        default: try await reply(502, "Unknown command.")
        }
    }

    // MARK: Paths

    /// A path argument against the working folder: `..` goes up (never above the top), `.` stays.
    func components(_ argument: String) -> [String]? {
        var parts = argument.hasPrefix("/") ? [] : cwd
        for piece in argument.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == "." { continue }
            if piece == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            guard !piece.unicodeScalars.contains("\0"), piece.utf8.count <= 255 else { return nil }
            parts.append(String(piece).precomposedStringWithCanonicalMapping)
        }
        return parts.count <= 66 ? parts : nil
    }

    func path(_ argument: String) -> DAVPath? {
        components(argument).map { DAVPath(top: $0.first, names: Array($0.dropFirst())) }
    }

    func display(_ parts: [String]) -> String { "/" + parts.joined(separator: "/") }

    private func changeFolder(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard let parts = components(argument.isEmpty ? "/" : argument) else { try await reply(550, "Not an allowed path."); return }
        switch files.resolve(DAVPath(top: parts.first, names: Array(parts.dropFirst())), user, areas) {
        case .root, .area, .folder:
            cwd = parts
            try await reply(250, "Now in \(display(parts)).")
        default: try await reply(550, "No such folder.")
        }
    }

    // MARK: Data connections

    /// Closes a passive listener nobody used, and what it accepted meanwhile (each async channel
    /// must be closed through its own `executeThenClose`).
    private func closePassive() {
        guard let listener = passive else { return }
        passive = nil
        listener.channel.close(promise: nil)
        Task { try? await Self.drain(listener, keep: false) }
    }

    /// Accepts from a listener until it closes: the first connection is kept (when `keep`; the
    /// listener is closed then), any other closed at once. Addresses were checked at accept.
    static func drain(_ listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, keep: Bool)
        async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer>?
    {
        try await listener.executeThenClose { inbound in
            var chosen: NIOAsyncChannel<ByteBuffer, ByteBuffer>?
            for try await child in inbound {
                if chosen == nil, keep {
                    chosen = child
                    listener.channel.close(promise: nil)
                } else {
                    try? await child.executeThenClose { _, _ in }
                }
            }
            return chosen
        }
    }


    /// PASV / EPSV: a listener on this connection's own address, for one connection from the
    /// control connection's address (anyone else is turned away), within 30 s.
    private func enterPassive(extended: Bool) async throws {
        closePassive()
        notResumed.withLock { $0 = false }
        active = nil
        guard let local = channel.localAddress, let host = local.ipAddress else { try await reply(425, "No address to offer."); return }
        if !extended && local.protocol != .inet { try await reply(522, "Use EPSV (IPv6)."); return }
        let tls = protected ? server.tls : nil
        let refused = dataRefusal()
        let controlPeer = channel.remoteAddress?.ipAddress
        var listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>?
        for port in server.passiveCandidates() {
            listener = try? await ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
                .serverChannelOption(.backlog, value: 4)
                .bind(host: host, port: port) { child in
                    // Only from the control connection's address, judged at accept (a client
                    // that sends and closes at once has no address any longer by the time the
                    // session looks): anyone else is data-connection theft, closed at once.
                    guard let controlPeer, child.remoteAddress?.ipAddress == controlPeer else {
                        return child.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
                    }
                    return child.eventLoop.makeCompletedFuture {
                        if let tls { try Self.addDataTLS(child, tls, refused: refused) }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child, configuration: Self.dataConfiguration)
                    }
                }
            if listener != nil { break }
        }
        guard let listener, let port = listener.channel.localAddress?.port else { try await reply(425, "No passive port free."); return }
        passive = listener
        if extended {
            try await reply(229, "Entering Extended Passive Mode (|||\(port)|)")
        } else {
            let numbers = host.split(separator: ".").joined(separator: ",")
            try await reply(227, "Entering Passive Mode (\(numbers),\(port >> 8),\(port & 0xFF))")
        }
    }

    /// PORT / EPRT: only to the control connection's own address (no FTP bounce, RFC 2577).
    private func enterActive(_ argument: String, extended: Bool) async throws {
        closePassive()
        notResumed.withLock { $0 = false }
        var host = "", port = 0
        if extended {
            let fields = argument.split(separator: argument.first ?? "|", omittingEmptySubsequences: false)
            guard fields.count >= 4, let p = Int(fields[3]) else { try await reply(501, "EPRT |proto|address|port|"); return }
            (host, port) = (String(fields[2]), p)
        } else {
            let numbers = argument.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 6, numbers.allSatisfy({ (0...255).contains($0) }) else { try await reply(501, "PORT h1,h2,h3,h4,p1,p2"); return }
            (host, port) = (numbers[0..<4].map(String.init).joined(separator: "."), numbers[4] << 8 | numbers[5])
        }
        guard (1024...65535).contains(port), let target = try? SocketAddress(ipAddress: host, port: port),
              target.ipAddress == channel.remoteAddress?.ipAddress
        else { try await reply(504, "Data connections go back to your own address only, to a port above 1023."); return }
        active = target
        try await reply(200, "\(extended ? "EPRT" : "PORT") OK.")
    }

    /// The data connection the next transfer uses, or nil (with the reply said).
    private func openData() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer>? {
        let tls = protected ? server.tls : nil
        let refused = dataRefusal()
        if let target = active {
            active = nil
            let connected = try? await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
                .connectTimeout(Self.dataTimeout)
                .connect(to: target) { child in
                    child.eventLoop.makeCompletedFuture {
                        if let tls { try Self.addDataTLS(child, tls, refused: refused) }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child, configuration: Self.dataConfiguration)
                    }
                }
            if connected == nil { try await reply(425, "Cannot connect to your port.") }
            return connected
        }
        guard let listener = passive else { try await reply(425, "PASV, EPSV, PORT or EPRT first."); return nil }
        passive = nil
        let timer = Task {
            try? await Task.sleep(for: .seconds(30))
            listener.channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let accepted = try? await Self.drain(listener, keep: true)
        if accepted == nil { try await reply(425, "No data connection came.") }
        return accepted
    }

    /// Runs a transfer with the control connection's idle timer held.
    /// A data connection's TLS (RFC 4217): the FTP door's context, and the check that it resumed
    /// the control connection's session (FTPTLSResumption.swift).
    private static func addDataTLS(_ child: any Channel, _ tls: ServerTLS, refused: @escaping @Sendable () -> Void) throws {
        let (handler, checks) = tls.makeFTPHandler()
        try child.pipeline.syncOperations.addHandler(handler)
        if checks { try child.pipeline.syncOperations.addHandler(ResumptionCheck(refused: refused)) }
    }

    /// What a data connection's check calls when it closes the connection. The flag is cleared
    /// when a data connection is prepared (PASV, EPSV, PORT, EPRT), never later: a client may
    /// connect and shake hands as soon as it has the 150.
    private func dataRefusal() -> @Sendable () -> Void {
        let server = self.server, address = self.address
        return { [weak self] in
            self?.notResumed.withLock { $0 = true }
            server.logger.info("FTP data connection refused: it did not resume the control connection's TLS session",
                               metadata: ["ftp.client": "\(address)"])
        }
    }

    /// The answer to a transfer whose data connection failed.
    private func broken(_ what: String = "The data connection broke.") async throws {
        if notResumed.withLock({ $0 }) {
            try await reply(425, "The data connection did not resume this connection's TLS session, which is required: "
                + "use a client that resumes it (FileZilla, WinSCP, lftp, curl do).")
        } else {
            try await reply(426, what)
        }
    }

    private func transfer<T>(_ body: () async throws -> T) async throws -> T {
        busy.withLock { $0 = true }
        defer { busy.withLock { $0 = false } }
        let result = try await body()
        // Closed by its TLS check: whatever the writes said, nothing went through.
        if notResumed.withLock({ $0 }) { throw ChannelError.ioOnClosedChannel }
        return result
    }

    /// The end of what we send: our side closed, then whatever the client still says read until
    /// it closes too (a few seconds at most).
    static func finish(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
                       _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        outbound.finish()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for try await _ in inbound {} }
            group.addTask { try await Task.sleep(for: .seconds(5)) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Listings

    struct Item {
        var name: String
        var folder: Bool
        var size: UInt64
        var modified: Int64
    }

    private func items(_ path: DAVPath, _ user: UserID, _ areas: DAVAreas) -> [Item]? {
        let now = Timestamp.now().microseconds
        switch files.resolve(path, user, areas) {
        case .root: return areas.names.map { Item(name: $0, folder: true, size: 0, modified: now) }
        case .area(let area, _): return listing(area, "")
        case .folder(let area, let folder): return listing(area, folder)
        case .file(let file): return [Item(name: file.name, folder: false, size: file.blob.size, modified: file.uploadedAt)]
        default: return nil
        }
    }

    private func listing(_ area: FileArea, _ folder: String) -> [Item] {
        let (folders, found) = core.withState { $0.files.list(area, folder) }
        let now = Timestamp.now().microseconds
        return folders.map { Item(name: $0, folder: true, size: 0, modified: now) }
            + found.map { Item(name: $0.name, folder: false, size: $0.blob.size, modified: $0.uploadedAt) }
    }

    private func list(_ verb: String, _ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        // "LIST -la" and the like: options are not paths.
        let target = argument.split(separator: " ").filter { !$0.hasPrefix("-") }.joined(separator: " ")
        guard let path = path(target), let found = items(path, user, areas) else { try await reply(550, "No such folder."); return }
        let lines = found.map { item -> String in
            switch verb {
            case "NLST": return item.name
            case "MLSD": return Self.facts(item) + " " + item.name
            default: return Self.unixLine(item)
            }
        }
        try await reply(150, "Here it comes.")
        guard let data = try await openData() else { return }
        do {
            try await transfer {
                try await data.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: lines.map { $0 + "\r\n" }.joined()))
                    try await Self.finish(inbound, outbound)
                }
            }
            try await reply(226, "Listed.")
        } catch {
            try await broken()
        }
    }

    private func mlst(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard let parts = components(argument), let found = items(DAVPath(top: parts.first, names: Array(parts.dropFirst())), user, areas)
        else { try await reply(550, "No such file or folder."); return }
        let item: Item
        if case .file = files.resolve(DAVPath(top: parts.first, names: Array(parts.dropFirst())), user, areas), let file = found.first {
            item = file
        } else {
            item = Item(name: parts.last ?? "/", folder: true, size: 0, modified: Timestamp.now().microseconds)
        }
        try await replyLines(250, ["Listing " + display(parts), Self.facts(item) + " " + display(parts)], "End")
    }

    static func facts(_ item: Item) -> String {
        item.folder ? "type=dir;modify=\(mdtm(item.modified));perm=elcmfd;"
            : "type=file;size=\(item.size);modify=\(mdtm(item.modified));perm=rwadf;"
    }

    static func unixLine(_ item: Item) -> String {
        let date = HTTPDate.format(item.modified).split(separator: " ")  // "Thu, 03 Dec 2026 12:00:00 GMT"
        let time = date.count > 4 ? String(date[4].prefix(5)) : "00:00"
        let when = date.count > 3 ? "\(date[2]) \(date[1]) \(time)" : "Jan 01 00:00"
        return "\(item.folder ? "drwxr-xr-x" : "-rw-r--r--") 1 causerie causerie \(String(item.size).leftPadded(12)) \(when) \(item.name)"
    }

    /// "20261203120000": UTC, as MDTM and MLSD say it.
    static func mdtm(_ microseconds: Int64) -> String {
        HTTPDate.iso8601(microseconds).filter(\.isNumber)
    }

    // MARK: Transfers and changes

    private func retrieve(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        let from = restart
        restart = 0
        guard let path = path(argument), case .file(let file) = files.resolve(path, user, areas) else {
            try await reply(550, "No such file."); return
        }
        guard from <= file.blob.size else { try await reply(554, "REST beyond the end."); return }
        let reader: any BlobReader
        do {
            reader = try files.blobs.open(file.blob.sha256)
        } catch {
            try await reply(451, "The file's content is missing on the server (the audit says so)."); return
        }
        defer { reader.close() }
        try await reply(150, "Sending \(file.name) (\(file.blob.size - from) bytes).")
        guard let data = try await openData() else { return }
        do {
            try await transfer {
                try await data.executeThenClose { inbound, outbound in
                    var offset = from
                    while offset < file.blob.size {
                        let chunk = try reader.buffer(at: offset, count: Int(min(UInt64(1 << 20), file.blob.size - offset)))
                        guard chunk.readableBytes > 0 else { break }
                        offset += UInt64(chunk.readableBytes)
                        try await outbound.write(chunk)
                    }
                    try await Self.finish(inbound, outbound)
                }
            }
            try await reply(226, "Sent.")
        } catch {
            try await broken()
        }
    }

    private func store(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard restart == 0 else {
            restart = 0
            try await reply(554, "Resuming an upload is not supported over FTP: send the whole file (or use the web or WebDAV).")
            return
        }
        guard let path = path(argument), let name = path.last else { try await reply(553, "Not an allowed name."); return }
        if DAVPath.isClientClutter(name) { try await reply(553, "Not stored (a system file)."); return }
        let area: FileArea, folder: String
        switch files.resolve(path, user, areas) {
        case .missing(let a, let f, _, let parentExists):
            guard parentExists else { try await reply(553, "The folder does not exist."); return }
            (area, folder) = (a, f)
        case .file(let file): (area, folder) = (file.area, file.folder)
        default: try await reply(553, "Not a place for a file."); return
        }
        // Refused before the data connection when it can be (rights, name).
        let refused: APIError?
        do throws(APIError) {
            try files.check(StoreFile(file: FileID("probe"), area: area, folder: folder, name: name,
                                      blob: BlobRef(sha256: "", size: 0, mediaType: MediaTypes.octetStream), onCollision: .replace),
                            by: user, pendingBytes: files.pendingBytes(of: user))
            refused = nil
        } catch {
            refused = error
        }
        if let refused { try await reply(Self.code(refused), Self.words(refused)); return }
        try await reply(150, "Ready for \(name).")
        guard let data = try await openData() else { return }
        do {
            _ = try await transfer {
                try await data.executeThenClose { inbound, _ in
                    try await files.store(inbound, declared: nil, area: area, folder: folder, name: name, by: user)
                }
            }
            try await reply(226, "Stored.")
        } catch let error as APIError {
            try await reply(Self.code(error), Self.words(error))
        } catch {
            try await broken("The data connection broke: nothing was stored.")
        }
    }

    private func removeFile(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard let path = path(argument), case .file(let file) = files.resolve(path, user, areas) else {
            try await reply(550, "No such file."); return
        }
        try await run(250, "Deleted.") { try await core.execute(DeleteFile(file: file.id), by: user) }
    }

    private func makeFolder(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard let path = path(argument) else { try await reply(553, "Not an allowed name."); return }
        guard case .missing(let area, let folder, let name, let parentExists) = files.resolve(path, user, areas) else {
            try await reply(550, "Something is already there (or not a place for a folder)."); return
        }
        guard parentExists else { try await reply(550, "The parent folder does not exist."); return }
        let quoted = display(components(argument) ?? []).replacingOccurrences(of: "\"", with: "\"\"")
        try await run(257, "\"\(quoted)\" created.") {
            try await core.execute(CreateFolder(area: area, path: folder.isEmpty ? name : folder + "/" + name), by: user)
        }
    }

    private func removeFolder(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard let path = path(argument), case .folder(let area, let folder) = files.resolve(path, user, areas) else {
            try await reply(550, "No such folder."); return
        }
        try await run(250, "Deleted.") { try await core.execute(DeleteFolder(area: area, path: folder), by: user) }
    }

    private func rename(_ argument: String, _ user: UserID, _ areas: DAVAreas) async throws {
        guard let from = renameFrom else { try await reply(503, "RNFR first."); return }
        renameFrom = nil
        guard let to = path(argument), let name = to.last else { try await reply(553, "Not an allowed name."); return }
        let destination = files.resolve(to, user, areas)
        let (toArea, toFolder): (FileArea, String)
        switch destination {
        case .missing(let area, let folder, _, let parentExists):
            guard parentExists else { try await reply(553, "The destination folder does not exist."); return }
            (toArea, toFolder) = (area, folder)
        default: try await reply(553, "Something is already there."); return
        }
        switch files.resolve(from, user, areas) {
        case .file(let file):
            try await run(250, "Renamed.") {
                try await core.execute(MoveFile(file: file.id, area: toArea, folder: toFolder, name: name), by: user)
            }
        case .folder(let area, let folder):
            guard area == toArea else { try await reply(553, "Folders move within an area."); return }
            try await run(250, "Renamed.") {
                try await core.execute(MoveFolder(area: area, from: folder, to: toFolder.isEmpty ? name : toFolder + "/" + name), by: user)
            }
        default: try await reply(550, "No such file or folder.")
        }
    }

    /// A domain command, answered `code` when it goes through, else with its refusal.
    private func run(_ code: Int, _ text: String, _ command: () async throws -> UInt64) async throws {
        let refusal: APIError?
        do {
            _ = try await command()
            refusal = nil
        } catch let error as APIError {
            refusal = error
        } catch {
            refusal = APIError.unavailable
        }
        if let refusal { try await reply(Self.code(refusal), Self.words(refusal)) } else { try await reply(code, text) }
    }

    static func code(_ error: APIError) -> Int {
        switch (error.code, error.reason) {
        case (_, "quota"), (_, "disk_full"): 552
        case ("invalid", let reason) where reason.hasPrefix("name") || reason.hasPrefix("path"): 553
        case ("notFound", _): 550
        case ("forbidden", _): 550
        case ("conflict", _): 553
        default: 451
        }
    }

    static func words(_ error: APIError) -> String {
        switch error.reason {
        case "quota": "That would go past your storage quota."
        case "disk_full": "The server's disk is full."
        default: "Refused: \(error.code) \(error.reason)."
        }
    }
}

/// Closes a control connection quiet for too long, unless a transfer is running on it.
final class FTPIdleCloser: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    let seconds: Int
    weak var session: FTPSession?
    private var last = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(seconds: Int, busy session: FTPSession) {
        self.seconds = seconds
        self.session = session
    }

    func handlerAdded(context: ChannelHandlerContext) { schedule(context) }
    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        last = .now()
        context.fireChannelRead(data)
    }

    private func schedule(_ context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .seconds(5)) { [self] in
            let context = loopBound.value
            let busy = session?.busy.withLock { $0 } ?? false
            if !busy && NIODeadline.now() - last > .seconds(Int64(seconds)) {
                context.writeAndFlush(NIOAny(ByteBuffer(string: "421 Idle for too long: goodbye.\r\n")), promise: nil)
                context.close(promise: nil)
                return
            }
            if busy { last = .now() }
            schedule(context)
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
