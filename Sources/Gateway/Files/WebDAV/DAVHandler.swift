import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import EventStore
import Operations
import Projections

/// WebDAV (RFC 4918, classes 1 and 2) at `/dav/`: the office's file server for Windows Explorer,
/// macOS Finder, Office, GNOME Files, rclone and davfs2. Every write goes through the same
/// commands as the web's (StoreFile, MoveFile, DeleteFile, folder commands), so rights, names,
/// quotas and events are the web's own; this file only translates the protocol (docs/files.md).
struct DAVHandler: Sendable {
    let files: FileService
    let login: DoorLogin
    let locks: DAVLocks
    /// Whether the request came over TLS (directly, or from a trusted proxy that says so).
    let secure: @Sendable (Request, CauserieContext) -> Bool
    /// Passwords over plain HTTP: only when the administrator allowed it (a trusted LAN).
    let allowPlainPasswords: Bool
    var core: ChatCore { files.core }

    static let allow = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK"
    /// Request bodies read whole (PROPFIND, PROPPATCH, LOCK): small XML, never file contents.
    static let maxXMLBytes = 64 * 1024

    // MARK: Dispatch

    func handle(_ request: Request, _ context: CauserieContext) async throws -> Response {
        if request.method == .options { return options() }
        if !secure(request, context) && !allowPlainPasswords {
            return text(.forbidden, "WebDAV sends your password with every request: use https:// (or ask the administrator to allow passwords over plain HTTP on a trusted network).")
        }
        guard let credentials = DoorLogin.basic(request.headers[.authorization]) else { return unauthorized() }
        let user: UserID
        do {
            user = try await login.user(username: credentials.username, password: credentials.password, address: context.address)
        } catch .throttled(let seconds) {
            return Response(status: .tooManyRequests, headers: [.retryAfter: String(seconds)])
        } catch {
            return unauthorized()
        }
        let path: DAVPath
        do {
            path = try DAVPath.parse(request.uri.path)
        } catch {
            return text(.badRequest, "This path is not allowed.")
        }
        let areas = core.withState { DAVAreas(for: user, in: $0) }
        do {
            switch request.method.rawValue {
            case "PROPFIND": return try await propfind(request, path, user, areas)
            case "GET", "HEAD": return try get(request, path, user, areas)
            case "PUT": return try await put(request, path, user, areas)
            case "DELETE": return try await delete(request, path, user, areas)
            case "MKCOL": return try await mkcol(request, path, user, areas)
            case "COPY", "MOVE": return try await copyOrMove(request, path, user, areas, move: request.method.rawValue == "MOVE")
            case "PROPPATCH": return try await proppatch(request, path, user, areas)
            case "LOCK": return try await lock(request, path, user, areas)
            case "UNLOCK": return unlock(request, path, user)
            default: return Response(status: .methodNotAllowed, headers: [.allow: Self.allow])
            }
        } catch let error as APIError {
            return failure(error)
        }
    }

    func options() -> Response {
        Response(status: .ok, headers: [.allow: Self.allow, .dav: "1, 2", .msAuthorVia: "DAV", .contentLength: "0"])
    }

    // MARK: Resolving

    typealias Resource = FileService.Resource

    func resolve(_ path: DAVPath, _ user: UserID, _ areas: DAVAreas) -> Resource { files.resolve(path, user, areas) }

    /// The key locks are held under: the area and the path, case-folded like names.
    func lockKey(_ path: DAVPath, _ areas: DAVAreas) -> String {
        let area = path.top.flatMap(areas.area(named:)).map { "\($0)" } ?? "-"
        return area + "|" + path.names.map(FileNames.key).joined(separator: "/")
    }

    func mayWrite(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) -> Bool {
        locks.mayWrite(lockKey(path, areas), user: user.rawValue, tokens: DAVLocks.tokens(inIfHeader: request.headers[.davIf]))
    }

    // MARK: Reading

    func propfind(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) async throws -> Response {
        _ = try await xmlBody(request)  // every answer lists the same live properties (allprop)
        let depth = request.headers[.depth]?.lowercased() ?? "infinity"
        // Infinity is refused, as RFC 4918 §9.1 allows: a whole tree in one answer is a DoS.
        guard depth == "0" || depth == "1" else {
            return xml(.forbidden, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\"><d:propfind-finite-depth/></d:error>\n")
        }
        let children = depth == "1"
        let now = Timestamp.now().microseconds
        let key = lockKey(path, areas)
        var entries: [DAVXML.Entry] = []
        let resource = resolve(path, user, areas)
        let quota = core.withState { state -> (UInt64, UInt64) in
            let used = state.files.used(by: user)
            let total = state.files.quota(of: user)
            return (used, total > used ? total - used : 0)
        }
        switch resource {
        case .root:
            entries.append(.init(href: path.href(collection: true), name: "Causerie", collection: true, modified: now, quota: quota))
            if children {
                for name in areas.names {
                    entries.append(.init(href: path.appending(name).href(collection: true), name: name, collection: true, modified: now))
                }
            }
        case .area(let area, let name):
            entries.append(.init(href: path.href(collection: true), name: name, collection: true,
                                 modified: latest(area, ""), quota: quota, locks: locks.covering(key)))
            if children { entries += listing(area, "", path) }
        case .folder(let area, let folder):
            entries.append(.init(href: path.href(collection: true), name: path.last ?? "", collection: true,
                                 modified: latest(area, folder), locks: locks.covering(key)))
            if children { entries += listing(area, folder, path) }
        case .file(let file):
            entries.append(entry(file, href: path.href(collection: false), locks: locks.covering(key)))
        case .missing, .unknownArea:
            return text(.notFound, "Not found.")
        }
        return xml(.multiStatus, DAVXML.multistatus(entries))
    }

    private func listing(_ area: FileArea, _ folder: String, _ path: DAVPath) -> [DAVXML.Entry] {
        let (folders, found) = core.withState { $0.files.list(area, folder) }
        let inner = folder.isEmpty ? "" : folder + "/"
        return folders.map { name in
            DAVXML.Entry(href: path.appending(name).href(collection: true), name: name, collection: true, modified: latest(area, inner + name))
        } + found.map { entry($0, href: path.appending($0.name).href(collection: false)) }
    }

    private func entry(_ file: FilesView.File, href: String, locks: [DAVLocks.Lock] = []) -> DAVXML.Entry {
        DAVXML.Entry(href: href, name: file.name, collection: false, size: file.blob.size,
                     mediaType: file.blob.mediaType.hasPrefix("text/") ? MediaTypes.text : file.blob.mediaType,
                     etag: file.blob.sha256, modified: file.uploadedAt, locks: locks)
    }

    /// A folder's time: its newest file's (folders have none of their own in the log).
    private func latest(_ area: FileArea, _ folder: String) -> Int64 {
        core.withState { $0.files.list(area, folder).files.map(\.uploadedAt).max() } ?? Timestamp.now().microseconds
    }

    func get(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) throws -> Response {
        switch resolve(path, user, areas) {
        case .file(let file):
            let answer = try FileRoutes(files: files).download(file, request, inline: false)
            if request.method == .head {
                var headers = answer.headers
                headers[.contentLength] = String(file.blob.size)
                return Response(status: answer.status, headers: headers)
            }
            return answer
        case .root, .area, .folder:
            // A browser pointed at /dav/: a plain page saying what this is.
            return text(.ok, "This is the Causerie file server (WebDAV). Open it in your file manager: \(DAVPath.prefix)/")
        case .missing, .unknownArea:
            return text(.notFound, "Not found.")
        }
    }

    // MARK: Writing

    func put(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) async throws -> Response {
        guard let name = path.last else { return text(.methodNotAllowed, "Files go inside a folder.") }
        if DAVPath.isClientClutter(name) {
            for try await _ in request.body {}  // answered, not stored (Finder writes these everywhere)
            return Response(status: .created, headers: [.contentLength: "0"])
        }
        guard mayWrite(request, path, user, areas) else { return locked() }
        let area: FileArea, folder: String
        switch resolve(path, user, areas) {
        case .missing(let a, let f, _, let parentExists):
            guard parentExists else { return text(.conflict, "The folder does not exist.") }
            (area, folder) = (a, f)
        case .file(let file): (area, folder) = (file.area, file.folder)
        case .folder, .area, .root: return text(.methodNotAllowed, "A folder is there.")
        case .unknownArea: return text(.conflict, "No such area.")
        }
        let declared = request.headers[.contentLength].flatMap { UInt64($0) }
        let existed = try await files.store(request.body, declared: declared, area: area, folder: folder, name: name, by: user)
        return Response(status: existed ? .noContent : .created, headers: [.contentLength: "0"])
    }

    func delete(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) async throws -> Response {
        if let name = path.last, DAVPath.isClientClutter(name) { return Response(status: .noContent) }
        guard mayWrite(request, path, user, areas) else { return locked() }
        switch resolve(path, user, areas) {
        case .file(let file):
            _ = try await core.execute(DeleteFile(file: file.id), by: user)
        case .folder(let area, let folder):
            _ = try await core.execute(DeleteFolder(area: area, path: folder), by: user)
        case .root, .area:
            return text(.forbidden, "The areas themselves cannot be deleted.")
        case .missing, .unknownArea:
            return text(.notFound, "Not found.")
        }
        locks.removeAll(under: lockKey(path, areas))
        return Response(status: .noContent)
    }

    func mkcol(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) async throws -> Response {
        if try await !xmlBody(request).isEmpty { return text(.unsupportedMediaType, "MKCOL takes no body.") }
        guard mayWrite(request, path, user, areas) else { return locked() }
        switch resolve(path, user, areas) {
        case .missing(let area, let folder, let name, let parentExists):
            guard parentExists else { return text(.conflict, "The parent folder does not exist.") }
            _ = try await core.execute(CreateFolder(area: area, path: folder.isEmpty ? name : folder + "/" + name), by: user)
            return Response(status: .created, headers: [.contentLength: "0"])
        case .unknownArea:
            return text(.forbidden, "New folders go inside Personal, Public or a conversation.")
        default:
            return text(.methodNotAllowed, "Something is already there.")
        }
    }

    func copyOrMove(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas, move: Bool) async throws -> Response {
        guard let header = request.headers[.destination] else { return text(.badRequest, "No Destination.") }
        let target: DAVPath
        do {
            target = try DAVPath.destination(header)
        } catch {
            return text(.badGateway, "The destination is not on this file server.")
        }
        guard let name = target.last, target.top != nil else { return text(.forbidden, "Not a place for a file.") }
        let overwrite = request.headers[.overwrite]?.uppercased() != "F"
        if move && !mayWrite(request, path, user, areas) { return locked() }
        guard mayWrite(request, target, user, areas) else { return locked() }
        let destination = resolve(target, user, areas)
        let (toArea, toFolder, exists): (FileArea, String, Bool)
        switch destination {
        case .missing(let area, let folder, _, let parentExists):
            guard parentExists else { return text(.conflict, "The destination folder does not exist.") }
            (toArea, toFolder, exists) = (area, folder, false)
        case .file(let file): (toArea, toFolder, exists) = (file.area, file.folder, true)
        case .folder(let area, let folder):
            let parent = String(folder.split(separator: "/").dropLast().joined(separator: "/"))
            (toArea, toFolder, exists) = (area, parent, true)
        case .root, .area, .unknownArea: return text(.forbidden, "Not a place for a file.")
        }
        if exists && !overwrite { return text(.preconditionFailed, "Something is there (Overwrite: F).") }
        switch resolve(path, user, areas) {
        case .file(let file):
            if case .folder = destination { return text(.conflict, "A folder is at the destination.") }
            if move {
                _ = try await core.execute(MoveFile(file: file.id, area: toArea, folder: toFolder, name: name, overwrite: overwrite), by: user)
                locks.removeAll(under: lockKey(path, areas))
            } else {
                _ = try await core.execute(StoreFile(file: FileID(SecureRandom.identifier("f")), area: toArea, folder: toFolder,
                                                     name: name, blob: file.blob, onCollision: .replace), by: user)
            }
        case .folder(let area, let folder):
            let toPath = toFolder.isEmpty ? name : toFolder + "/" + name
            if move {
                guard area == toArea else { return text(.badGateway, "Folders move within an area; copy it, then delete it.") }
                if exists, case .folder(_, let there) = destination { _ = try await core.execute(DeleteFolder(area: toArea, path: there), by: user) }
                _ = try await core.execute(MoveFolder(area: area, from: folder, to: toPath), by: user)
                locks.removeAll(under: lockKey(path, areas))
            } else {
                try await copyFolder(area, folder, to: toArea, toPath, by: user)
            }
        case .root, .area: return text(.forbidden, "The areas themselves stay where they are.")
        case .missing, .unknownArea: return text(.notFound, "Not found.")
        }
        return Response(status: exists ? .noContent : .created, headers: [.contentLength: "0"])
    }

    /// A folder copied: its folders made, its files stored again (the same content, stored once).
    private func copyFolder(_ area: FileArea, _ folder: String, to toArea: FileArea, _ toPath: String, by user: UserID) async throws {
        if !core.withState({ $0.files.folderExists(toArea, toPath) }) {
            _ = try await core.execute(CreateFolder(area: toArea, path: toPath), by: user)
        }
        let (folders, found) = core.withState { $0.files.list(area, folder) }
        for file in found {
            _ = try await core.execute(StoreFile(file: FileID(SecureRandom.identifier("f")), area: toArea, folder: toPath,
                                                 name: file.name, blob: file.blob, onCollision: .replace), by: user)
        }
        for sub in folders { try await copyFolder(area, folder + "/" + sub, to: toArea, toPath + "/" + sub, by: user) }
    }

    /// Properties are not kept (a file's time is when it was stored), but every PROPPATCH is
    /// answered 200: a refusal sends rclone, Explorer and Finder into retry loops (docs/files.md).
    func proppatch(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) async throws -> Response {
        let body = DAVXML.read(try await xmlBody(request))
        guard body.parsed else { return text(.badRequest, "Malformed XML.") }
        switch resolve(path, user, areas) {
        case .missing, .unknownArea: return text(.notFound, "Not found.")
        case .file, .folder, .area, .root:
            return xml(.multiStatus, DAVXML.propPatchAnswer(href: path.href(collection: false), properties: body.properties, status: "200 OK"))
        }
    }

    func lock(_ request: Request, _ path: DAVPath, _ user: UserID, _ areas: DAVAreas) async throws -> Response {
        let bytes = try await xmlBody(request)
        let timeout = Self.timeout(request.headers[.timeout])
        let key = lockKey(path, areas)
        if bytes.isEmpty {
            // A refresh: the If header names the lock.
            guard let token = DAVLocks.tokens(inIfHeader: request.headers[.davIf]).first,
                  let lock = locks.refresh(token: token, user: user.rawValue, timeout: timeout)
            else { return text(.preconditionFailed, "No such lock to refresh.") }
            return xml(.ok, DAVXML.lockAnswer(lock))
        }
        let body = DAVXML.read(bytes)
        guard body.parsed else { return text(.badRequest, "Malformed XML.") }
        var created = false
        switch resolve(path, user, areas) {
        case .missing(let area, let folder, let name, let parentExists):
            // RFC 4918 §9.10.4: a lock on an unmapped URL makes an empty file (Office saves so).
            guard parentExists else { return text(.conflict, "The folder does not exist.") }
            guard !DAVPath.isClientClutter(name) else { break }
            let blob = try await emptyBlob()
            _ = try await core.execute(StoreFile(file: FileID(SecureRandom.identifier("f")), area: area, folder: folder, name: name,
                                                 blob: blob, onCollision: .refuse), by: user)
            created = true
        case .unknownArea: return text(.notFound, "Not found.")
        default: break
        }
        let depthInfinity = (request.headers[.depth] ?? "infinity").lowercased() == "infinity"
        guard let lock = locks.lock(key: key, owner: body.owner, user: user.rawValue, exclusive: !body.shared,
                                    depthInfinity: depthInfinity, timeout: timeout)
        else { return locked() }
        var answer = xml(created ? .created : .ok, DAVXML.lockAnswer(lock))
        answer.headers[.lockToken] = "<\(lock.token)>"
        return answer
    }

    func unlock(_ request: Request, _ path: DAVPath, _ user: UserID) -> Response {
        let token = request.headers[.lockToken]?.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        guard let token, locks.unlock(token: token, user: user.rawValue) else { return text(.conflict, "No such lock.") }
        return Response(status: .noContent)
    }

    /// The empty content (stored once, like any other).
    private func emptyBlob() async throws -> BlobRef {
        let blobs = files.blobs
        let id = SecureRandom.identifier("dav")
        let stored = try await offloaded(core) { () throws -> StoredBlob in
            let staging = try blobs.openStaging(id)
            try staging.sync()
            staging.close()
            return try blobs.commit(staging: id, compress: false)
        }
        return BlobRef(sha256: stored.sha256, size: 0, mediaType: MediaTypes.octetStream)
    }

    // MARK: Answers

    /// `Timeout: Second-600` (or Infinite): seconds, within our bounds.
    static func timeout(_ header: String?) -> Int {
        guard let header else { return DAVLocks.defaultTimeout }
        for part in header.split(separator: ",") {
            let value = part.trimmingCharacters(in: .whitespaces)
            if value.lowercased() == "infinite" { return DAVLocks.maximumTimeout }
            if value.hasPrefix("Second-"), let seconds = Int(value.dropFirst(7)) { return seconds }
        }
        return DAVLocks.defaultTimeout
    }

    private func xmlBody(_ request: Request) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= Self.maxXMLBytes else { throw APIError.tooLarge("body") }
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    func unauthorized() -> Response {
        Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"Causerie\", charset=\"UTF-8\"", .contentLength: "0"])
    }

    func locked() -> Response { text(.locked, "Locked by someone else.") }

    func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    func xml(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A refusal from the domain, in WebDAV's terms (a quota is 507 Insufficient Storage).
    func failure(_ error: APIError) -> Response {
        let status: HTTPResponse.Status = switch (error.code, error.reason) {
        case (_, "quota"): .insufficientStorage
        case (_, "disk_full"): .insufficientStorage
        case ("notFound", _): .notFound
        case ("conflict", _): .preconditionFailed
        case ("forbidden", _): .forbidden
        case ("tooLarge", _): .contentTooLarge
        case ("rateLimited", _): .tooManyRequests
        case ("invalid", _): .badRequest
        default: .init(code: error.httpStatus)
        }
        return text(status, "\(error.code): \(error.reason)")
    }
}

/// Sends `/dav/…` to WebDAV, and answers Windows' OPTIONS on `/` (it asks the root first).
struct DAVMiddleware: RouterMiddleware {
    typealias Context = CauserieContext
    let dav: DAVHandler

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == DAVPath.prefix || path.hasPrefix(DAVPath.prefix + "/") { return try await dav.handle(request, context) }
        if path == "/" && request.method == .options { return dav.options() }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let dav = Self("DAV")!
    static let msAuthorVia = Self("MS-Author-Via")!
    static let depth = Self("Depth")!
    static let destination = Self("Destination")!
    static let overwrite = Self("Overwrite")!
    static let lockToken = Self("Lock-Token")!
    static let timeout = Self("Timeout")!
    static let davIf = Self("If")!
}

extension HTTPResponse.Status {
    static let multiStatus = Self(code: 207, reasonPhrase: "Multi-Status")
    static let locked = Self(code: 423, reasonPhrase: "Locked")
    static let insufficientStorage = Self(code: 507, reasonPhrase: "Insufficient Storage")
}
