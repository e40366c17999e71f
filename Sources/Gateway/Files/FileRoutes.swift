import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Operations
import Projections
import Wire

/// Files over HTTP: download (ranges, validators, safe headers), listings of every area, rename,
/// move, delete, folders, shared folders, usage, and the administrators' limits.
struct FileRoutes {
    let files: FileService
    var kit: HTTPKit { files.kit }
    var core: ChatCore { kit.core }

    struct ChangeBody: Decodable {
        var name: String?
        var area: String?
        var folder: String?
        var overwrite: Bool?
    }

    struct FolderBody: Decodable {
        var area: String
        var path: String
    }

    struct MoveFolderBody: Decodable {
        var area: String
        var from: String
        var to: String
    }

    struct ShareBody: Decodable {
        struct Part: Decodable {
            var upload: String
            var path: String
        }
        var area: String
        var folder: String?
        var name: String
        var uploads: [Part]
        var emptyFolders: [String]?
    }

    struct LimitsBody: Decodable {
        var defaultQuota: ByteCount
        var maxFileSize: ByteCount
    }

    struct QuotaBody: Decodable {
        var bytes: ByteCount?
    }

    struct Listing: Encodable {
        var area: String
        var folder: String
        var folders: [String]
        var files: [FileJSON]
    }

    struct FileJSON: Encodable {
        var id: String
        var area: String
        var folder: String
        var name: String
        var size: UInt64
        var mediaType: String
        var sha256: String
        var uploader: String
        /// Milliseconds since the epoch.
        var uploadedAt: Int64
        var position: UInt64
        var inline: Bool

        init(_ file: FilesView.File, for caller: UserID) {
            id = file.id.rawValue
            area = file.area.parameter(for: caller)
            folder = file.folder
            name = file.name
            size = file.blob.size
            mediaType = file.blob.mediaType
            sha256 = file.blob.sha256
            uploader = file.uploader.rawValue
            uploadedAt = file.uploadedAt / 1000
            position = file.position
            inline = MediaTypes.inlineSafe(file.blob.mediaType)
        }
    }

    struct ReadKey: Encodable {
        var key: String
        /// Milliseconds since the epoch.
        var expires: Int64
    }

    struct Usage: Encodable {
        var used: UInt64
        var quota: UInt64
        var maxFileSize: UInt64
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("files") { request, _ in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["area", "folder"])
            let area = try await files.resolveArea(try Self.text(query, "area") ?? "personal", for: user)
            let folder = try Self.path(try Self.text(query, "folder") ?? "")
            guard let listing = core.withState({ state -> Listing? in
                guard state.mayRead(area, user), state.files.folderExists(area, folder) else { return nil }
                let (folders, found) = state.files.list(area, folder)
                return Listing(area: area.parameter(for: user), folder: state.files.shownPath(area, folder) ?? folder,
                               folders: folders, files: found.map { FileJSON($0, for: user) })
            }) else { throw APIError.notFound("folder") }
            return kit.json(listing)
        }
        api.get("rooms/{room}/files") { request, context in
            let (user, _) = try kit.caller(request)
            let room = RoomID(try kit.parameter("room", context))
            guard let found = core.withState({ state -> [FileJSON]? in
                guard state.mayRead(.room(room), user) else { return nil }
                return state.files.files(in: .room(room)).map { FileJSON($0, for: user) }
            }) else { throw APIError.notFound("room") }
            return kit.json(["files": found])
        }
        api.get("files/usage") { request, _ in
            let (user, _) = try kit.caller(request)
            return kit.json(core.withState {
                Usage(used: $0.files.used(by: user), quota: $0.files.quota(of: user), maxFileSize: $0.files.maxFileSize)
            })
        }
        api.get("files/{file}/info") { request, context in
            let (user, _) = try kit.caller(request)
            let file = try readable(try kit.parameter("file", context), by: user)
            return kit.json(FileJSON(file, for: user))
        }
        api.get("files/key") { request, _ in
            let (_, session) = try kit.caller(request)
            let issued = files.readKeys.issue(session: session)
            return kit.json(ReadKey(key: issued.key, expires: issued.expires * 1000))
        }
        api.get("files/zip") { request, _ in
            let query = try kit.query(request, allowing: ["area", "path", "key"])
            let user = try reader(request, key: try Self.text(query, "key"))
            let area = try await files.resolveArea(try Self.text(query, "area") ?? "personal", for: user)
            return try zip(area, path: try Self.path(try Self.text(query, "path") ?? ""), for: user)
        }
        api.get("files/{file}") { request, context in
            let query = try kit.query(request, allowing: ["inline", "key"])
            let user = try reader(request, key: try Self.text(query, "key"))
            let file = try readable(try kit.parameter("file", context), by: user)
            return try download(file, request, inline: try Self.text(query, "inline") == "1")
        }
        api.patch("files/{file}") { request, context in
            let (user, _) = try kit.caller(request)
            let id = FileID(try kit.parameter("file", context))
            let body = try await kit.body(ChangeBody.self, request)
            let current = try readable(id.rawValue, by: user)
            var position = core.position
            if body.area != nil || body.folder != nil {
                var area = current.area
                if let given = body.area { area = try await files.resolveArea(given, for: user) }
                position = try await core.execute(MoveFile(
                    file: id, area: area, folder: body.folder ?? current.folder, name: body.name, overwrite: body.overwrite ?? false), by: user)
            } else if let name = body.name {
                position = try await core.execute(RenameFile(file: id, name: name), by: user)
            }
            return kit.ok(position: position)
        }
        api.delete("files/{file}") { request, context in
            let (user, _) = try kit.caller(request)
            let id = FileID(try kit.parameter("file", context))
            return kit.ok(position: try await core.execute(DeleteFile(file: id), by: user))
        }
        api.post("files/folders") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(FolderBody.self, request)
            let area = try await files.resolveArea(body.area, for: user)
            return kit.created(position: try await core.execute(CreateFolder(area: area, path: body.path), by: user))
        }
        api.patch("files/folders") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(MoveFolderBody.self, request)
            let area = try await files.resolveArea(body.area, for: user)
            return kit.ok(position: try await core.execute(MoveFolder(area: area, from: body.from, to: body.to), by: user))
        }
        api.delete("files/folders") { request, _ in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["area", "path"])
            let area = try await files.resolveArea(try Self.text(query, "area") ?? "personal", for: user)
            let path = try Self.text(query, "path") ?? ""
            return kit.ok(position: try await core.execute(DeleteFolder(area: area, path: path), by: user))
        }
        api.post("files/shared-folders") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(ShareBody.self, request, limit: 64 << 20)
            let area = try await files.resolveArea(body.area, for: user)
            var entries: [SharedEntry] = []
            var parts: [UploadRegistry.Upload] = []
            entries.reserveCapacity(body.uploads.count)
            for part in body.uploads {
                guard let upload = files.uploads[part.upload], upload.owner == user.rawValue, upload.part,
                      let blob = upload.blob, let type = upload.mediaType else { throw APIError.invalid("upload:\(part.upload)") }
                entries.append(SharedEntry(file: FileID(upload.file), path: part.path,
                                           blob: BlobRef(sha256: blob, size: upload.length, mediaType: type)))
                parts.append(upload)
            }
            let share = ShareFolder(area: area, folder: body.folder ?? "", name: body.name, entries: entries,
                                    emptyFolders: body.emptyFolders ?? [])
            // Refused (rights, names) before a byte is stored; then the bytes, then the event.
            try core.check(share, by: user)
            try await files.storeParts(parts)
            let position = try await core.execute(share, by: user)
            files.uploads.remove(body.uploads.map(\.upload))
            return kit.created(position: position)
        }
        api.put("admin/files/limits") { request, _ in
            let user = try kit.administrator(request)
            let body = try await kit.body(LimitsBody.self, request)
            return kit.ok(position: try await core.execute(
                SetFileLimits(defaultQuota: body.defaultQuota.value, maxFileSize: body.maxFileSize.value), by: user))
        }
        api.put("admin/users/{user}/quota") { request, context in
            let admin = try kit.administrator(request)
            let user = UserID(try kit.parameter("user", context))
            let body = try await kit.body(QuotaBody.self, request)
            return kit.ok(position: try await core.execute(SetUserQuota(user: user, bytes: body.bytes?.value), by: admin))
        }
    }

    static func text(_ query: Query, _ name: String) throws(APIError) -> String? {
        do throws(Rejection) {
            return try query.string(name)
        } catch {
            throw APIError(error)
        }
    }

    static func path(_ raw: String) throws(APIError) -> String {
        switch FileNames.normalisedPath(raw) {
        case .success(let path): return path
        case .failure(let problem): throw APIError.invalid("path:\(problem.rawValue)")
        }
    }

    /// The file if the caller may read it; 404 alike for one that does not exist and one they
    /// may not see.
    /// Who downloads: the bearer token's user, or (a link or preview from the browser) the
    /// session a read key names, refused like a bad token when it is not valid or has expired.
    func reader(_ request: Request, key: String?) throws(APIError) -> UserID {
        guard request.headers[.authorization] == nil, let key else { return try kit.caller(request).user }
        guard let session = files.readKeys.session(of: key) else { throw APIError.unauthorized }
        let user = try core.authenticate(sessionHash: session).user
        if core.withState({ $0.accounts[user]?.mustChangePassword == true }) {
            throw APIError(Rejection.forbidden("password_change_required"))
        }
        return user
    }

    func readable(_ id: String, by user: UserID) throws(APIError) -> FilesView.File {
        guard FileID.isWellFormed(id), let file = core.withState({ state in
            state.files[FileID(id)].flatMap { state.mayRead($0, user) ? $0 : nil }
        }) else { throw APIError.notFound("file") }
        return file
    }

    /// The content, whole or one range. Never interpreted by the browser as a page: raster
    /// images alone may be shown inline (asked with `?inline=1`), everything else is an
    /// attachment, always with `nosniff` and a sandboxing CSP.
    /// A folder (or a whole area) as one streamed ZIP: "Plans.zip" holding "Plans/…".
    func zip(_ area: FileArea, path: String, for user: UserID) throws(APIError) -> Response {
        guard let (root, entries) = core.withState({ state -> (String, [(ZipStream.Entry, String?)])? in
            guard state.mayRead(area, user), state.files.folderExists(area, path) else { return nil }
            let shown = state.files.shownPath(area, path) ?? path
            let root = shown.split(separator: "/").last.map(String.init) ?? "Files"
            var entries: [(ZipStream.Entry, String?)] = []
            func walk(_ folder: String, _ prefix: String) {
                let (folders, found) = state.files.list(area, folder)
                if folders.isEmpty && found.isEmpty {
                    entries.append((.init(name: prefix + "/", size: 0, modified: Timestamp.now().microseconds), nil))
                }
                for file in found {
                    entries.append((.init(name: prefix + "/" + file.name, size: file.blob.size, modified: file.uploadedAt), file.blob.sha256))
                }
                for sub in folders { walk(folder.isEmpty ? sub : folder + "/" + sub, prefix + "/" + sub) }
            }
            walk(shown, root)
            return (root, entries)
        }) else { throw APIError.notFound("folder") }
        let blobs = files.blobs
        let logger = core.logger
        let headers: HTTPFields = [
            .contentType: "application/zip", .contentDisposition: ContentDisposition.header("attachment", name: root + ".zip"),
            .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
            .contentSecurityPolicy: "sandbox; default-src 'none'",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var zip = ZipStream()
            for (entry, blob) in entries {
                try await writer.write(ByteBuffer(bytes: zip.header(entry)))
                var crc = CRC32()
                if let blob {
                    let reader: any BlobReader
                    do {
                        reader = try blobs.open(blob)
                    } catch {
                        // Headers are gone already: the archive is cut short, and the log says why.
                        logger.error("a file's blob is missing (ZIP)", metadata: ["blob": "\(blob)"])
                        throw error
                    }
                    defer { reader.close() }
                    var offset: UInt64 = 0
                    while offset < entry.size {
                        let chunk = try reader.read(at: offset, count: Int(min(UInt64(1 << 20), entry.size - offset)))
                        guard !chunk.isEmpty else { break }
                        crc.update(chunk)
                        try await writer.write(ByteBuffer(bytes: chunk))
                        offset += UInt64(chunk.count)
                    }
                }
                try await writer.write(ByteBuffer(bytes: zip.descriptor(crc: crc.checksum)))
            }
            try await writer.write(ByteBuffer(bytes: zip.finish()))
            try await writer.finish(nil)
        })
    }

    func download(_ file: FilesView.File, _ request: Request, inline: Bool) throws(APIError) -> Response {
        try download(name: file.name, blob: file.blob, what: file.id.rawValue, request, inline: inline)
    }

    /// Content by name and reference: a file, or a notice's attachment (the same headers and ranges).
    func download(name: String, blob: BlobRef, what: String, _ request: Request, inline: Bool) throws(APIError) -> Response {
        let file = (name: name, blob: blob, id: what)
        let etag = "\"\(file.blob.sha256)\""
        let size = file.blob.size
        let showInline = inline && MediaTypes.inlineSafe(file.blob.mediaType)
        var headers: HTTPFields = [
            .contentType: showInline ? file.blob.mediaType : (file.blob.mediaType.hasPrefix("text/") ? MediaTypes.text : MediaTypes.octetStream),
            .contentDisposition: ContentDisposition.header(showInline ? "inline" : "attachment", name: file.name),
            .eTag: etag, .acceptRanges: "bytes", .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
            .cacheControl: "private, max-age=0, must-revalidate",
        ]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingSpaces == etag || $0.trimmingSpaces == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        // If-Range: a range of the same content only; otherwise the whole file.
        var range = ByteRange.parse(request.headers[.range], size: size)
        if let condition = request.headers[.ifRange], condition.trimmingSpaces != etag { range = .whole }
        let reader: any BlobReader
        do {
            reader = try files.blobs.open(file.blob.sha256)
        } catch {
            core.logger.error("a file's blob is missing", metadata: ["file": "\(file.id)", "blob": "\(file.blob.sha256)"])
            throw APIError(code: "unavailable", reason: "blob_missing", status: 503)
        }
        let (status, lower, count): (HTTPResponse.Status, UInt64, UInt64)
        switch range {
        case .whole:
            (status, lower, count) = (.ok, 0, size)
        case .part(let from, let to):
            (status, lower, count) = (.partialContent, from, to - from + 1)
            headers[.contentRange] = "bytes \(from)-\(to)/\(size)"
        case .unsatisfiable:
            reader.close()
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        let box = ReaderBox(reader)
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: Int(count)) { writer in
            defer { box.reader.close() }
            var offset = lower
            let end = lower + count
            while offset < end {
                let chunk = try box.reader.buffer(at: offset, count: Int(min(UInt64(1 << 20), end - offset)))
                guard chunk.readableBytes > 0 else { break }
                offset += UInt64(chunk.readableBytes)
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        })
    }
}

/// Carries a blob reader into the response body's closure (used by that one task only).
final class ReaderBox: @unchecked Sendable {
    let reader: any BlobReader
    init(_ reader: any BlobReader) { self.reader = reader }
}

extension HTTPField.Name {
    static let acceptRanges = Self("Accept-Ranges")!
}
