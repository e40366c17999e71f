import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Operations
import Projections

/// What every file door shares (the web's HTTP routes today; WebDAV and FTP next): the blob
/// store, the uploads in progress, and the way bytes become a file — through the domain's
/// commands, so each door makes the same events under the same rules.
struct FileService: Sendable {
    let kit: HTTPKit
    let blobs: any BlobStore
    let uploads: UploadRegistry
    let readKeys: FileReadKeys
    var core: ChatCore { kit.core }

    /// What tus clients are told (the default quota: the real limit is checked per user).
    var maxUploadSize: UInt64 {
        core.withState { $0.files.maxFileSize > 0 ? $0.files.maxFileSize : $0.files.defaultQuota }
    }

    /// The caller's upload; anyone else's answers 404 like one that does not exist.
    func upload(_ id: String, of user: UserID) throws(APIError) -> UploadRegistry.Upload {
        guard let upload = uploads[id], upload.owner == user.rawValue else { throw APIError.notFound("upload") }
        return upload
    }

    func tusHeaders(_ upload: UploadRegistry.Upload, offset: UInt64, touched: Int64? = nil) -> HTTPFields {
        var headers: HTTPFields = [
            .tusResumable: UploadRoutes.version, .uploadOffset: String(offset), .uploadLength: String(upload.length),
            .uploadExpires: Self.httpDate(UploadRegistry.expiry(touched: touched ?? upload.created)),
        ]
        if upload.blob != nil, !upload.part { headers[.causerieFile] = upload.file }
        if let position = upload.position { headers[.causeriePosition] = String(position) }
        return headers
    }

    /// An area named by a client. `user:<id>` opens the direct conversation if it has none yet,
    /// so a file can go to someone who never chatted with the sender (and is offline).
    func resolveArea(_ parameter: String, for user: UserID) async throws(APIError) -> FileArea {
        guard let area = FileArea(parameter: parameter, caller: user) else { throw APIError.invalid("area") }
        if parameter.hasPrefix("user:"), case .room(let room) = area, core.withState({ $0.rooms[room] == nil }) {
            _ = try await core.openDirect(user, with: UserID(String(parameter.dropFirst(5))))
        }
        return area
    }

    /// Bytes the user has announced in unfinished uploads (they count against the quota too, so
    /// that many uploads at once cannot each fit and together overflow it).
    func pendingBytes(of user: UserID) -> UInt64 {
        uploads.pending(of: user)
    }

    /// Decides `command` without appending: the answer a completed upload would get.
    func check(_ command: StoreFile, by user: UserID, pendingBytes: UInt64) throws(APIError) {
        let now = kit.now
        let verdict: Rejection? = core.withState { state in
            do throws(Rejection) {
                _ = try command.decide(by: user, in: state, now: now)
            } catch {
                return error
            }
            let wanted = command.blob.size &+ pendingBytes
            let (total, overflow) = state.files.used(by: user).addingReportingOverflow(wanted)
            guard !overflow, wanted >= pendingBytes, total <= state.files.quota(of: user) else { return Rejection.tooLarge("quota") }
            return nil
        }
        if let verdict { throw APIError(verdict) }
    }

    /// PATCH (or the body of a POST): appends the body at `offset`, and completes the upload
    /// when its last byte is in.
    func receive(_ request: Request, into upload: UploadRegistry.Upload, at offset: UInt64, by user: UserID)
        async throws(APIError) -> Response
    {
        guard uploads.begin(upload.id) else { throw APIError(code: "conflict", reason: "upload_busy", status: 423) }
        defer { uploads.end(upload.id) }
        if upload.blob != nil {
            guard offset == upload.length else { throw APIError(code: "conflict", reason: "upload_offset", status: 409) }
            return Response(status: .noContent, headers: tusHeaders(upload, offset: upload.length))
        }
        let staging: any StagingFile
        do {
            staging = try blobs.openStaging(upload.id)
        } catch {
            throw APIError.unavailable
        }
        defer { staging.close() }
        guard staging.size == offset else { throw APIError(code: "conflict", reason: "upload_offset", status: 409) }
        let remaining = upload.length - offset
        if let declared = request.headers[.contentLength].flatMap({ UInt64($0) }), declared > remaining {
            throw APIError.tooLarge("upload_length")
        }
        let body = request.body
        do {
            for try await buffer in body {
                if staging.size - offset + UInt64(buffer.readableBytes) > remaining {
                    // More than announced: nothing of this request is kept.
                    try? staging.truncate(to: offset)
                    throw APIError.tooLarge("upload_length")
                }
                try buffer.withUnsafeReadableBytes { try staging.append($0) }
            }
            // The offset answered is durable; a complete upload is synced by its commit (grouped).
            if staging.size != upload.length { try staging.sync() }
        } catch let error as APIError {
            throw error
        } catch BlobStoreError.diskFull {
            try? staging.truncate(to: offset)
            throw APIError(code: "unavailable", reason: "disk_full", status: 507)
        } catch {
            // The connection dropped: what was written stays, and HEAD says how much.
            try? staging.sync()
            throw APIError(code: "invalid", reason: "body_interrupted", status: 400)
        }
        let received = staging.size
        guard received == upload.length else {
            return Response(status: .noContent, headers: tusHeaders(upload, offset: received, touched: kit.now))
        }
        staging.close()  // hands its running hash to the commit
        let done = try await complete(upload, by: user)
        return Response(status: .noContent, headers: tusHeaders(done, offset: done.length, touched: kit.now))
    }

    /// The last byte is in: into the blob store (durable), then the event that names it. A
    /// folder's part only has its hash taken: its bytes stay staged until its folder is shared
    /// (`storeParts`), so a folder of thousands of files costs a few syncs, not a few each.
    private func complete(_ upload: UploadRegistry.Upload, by user: UserID) async throws(APIError) -> UploadRegistry.Upload {
        let blobs = self.blobs
        let id = upload.id
        var done = upload
        if upload.part {
            let (hash, type) = try await offloaded(core) { () throws -> (String, String) in
                (try blobs.stagedHash(id).sha256, MediaTypes.sniff(try blobs.stagedPrefix(id, count: MediaTypes.sniffLength)))
            }
            (done.blob, done.mediaType, done.staged) = (hash, type, true)
        } else {
            let (stored, type) = try await offloaded(core) { () throws -> (StoredBlob, String) in
                let type = MediaTypes.sniff(try blobs.stagedPrefix(id, count: MediaTypes.sniffLength))
                return (try blobs.commit(staging: id, compress: MediaTypes.compressible(type)), type)
            }
            (done.blob, done.mediaType) = (stored.sha256, type)
            guard let area = FileArea(parameter: upload.area, caller: user) else { throw APIError.invalid("area") }
            let position = try await core.execute(StoreFile(
                file: FileID(upload.file), area: area, folder: upload.folder, name: upload.name,
                blob: BlobRef(sha256: stored.sha256, size: stored.size, mediaType: type),
                onCollision: upload.overwrite ? .replace : .rename), by: user)
            done.position = position
        }
        do {
            try uploads.save(done)
        } catch {
            core.logger.warning("upload record not saved", metadata: ["upload": "\(id)"])
        }
        return done
    }

    /// A folder's parts still staged go into the blob store together (about two syncs in all),
    /// before the event that shares them. A part whose staged bytes are no longer whole — lost
    /// in a crash before they were ever synced — is set back to unfinished (its HEAD says where
    /// to resume), and the folder is refused with 409 `upload_incomplete` until it is resent.
    func storeParts(_ parts: [UploadRegistry.Upload]) async throws(APIError) {
        // Stored by an earlier POST whose event then failed: nothing left to do for those.
        let staged = parts.filter { $0.staged == true && !(blobs.stagedSize($0.id) == nil && $0.blob.map(blobs.contains) == true) }
        guard !staged.isEmpty else { return }
        var incomplete = staged.filter { blobs.stagedSize($0.id) != $0.length }
        if incomplete.isEmpty {
            let blobs = self.blobs
            let batch = staged.map { StagedBlob(id: $0.id, compress: MediaTypes.compressible($0.mediaType ?? "")) }
            let stored = try await offloaded(core) { () throws -> [StoredBlob] in
                do {
                    return try blobs.commit(batch)
                } catch BlobStoreError.diskFull {
                    throw APIError(code: "unavailable", reason: "disk_full", status: 507)
                }
            }
            // The records keep `staged` (they are removed once the event is in).
            incomplete = zip(staged, stored).filter { $1.sha256 != $0.blob || $1.size != $0.length }.map(\.0)
        }
        guard incomplete.isEmpty else {
            for var upload in incomplete {
                (upload.blob, upload.mediaType, upload.staged) = (nil, nil, nil)
                try? uploads.save(upload)
            }
            throw APIError(code: "conflict", reason: "upload_incomplete", status: 409)
        }
    }

    static func httpDate(_ microseconds: Int64) -> String { HTTPDate.format(microseconds) }

    /// A whole file from a stream of bytes (a WebDAV PUT, an FTP STOR), stored under `name` in
    /// `folder`, replacing a file of that name: rights, name and the quota for the `declared` size
    /// are checked before the first byte; the quota again as bytes come (507 past it); the bytes
    /// are durable before the event. True when a file was replaced.
    func store<Body: AsyncSequence & Sendable>(_ body: Body, declared: UInt64?, area: FileArea, folder: String, name: String,
                                               by user: UserID) async throws -> Bool where Body.Element == ByteBuffer {
        let file = FileID(SecureRandom.identifier("f"))
        let probe = StoreFile(file: file, area: area, folder: folder, name: name,
                              blob: BlobRef(sha256: "", size: declared ?? 0, mediaType: MediaTypes.octetStream), onCollision: .replace)
        try check(probe, by: user, pendingBytes: pendingBytes(of: user))
        let pending = pendingBytes(of: user)
        let limit = core.withState { state -> UInt64 in
            let used = state.files.used(by: user) + pending
            let room = state.files.quota(of: user) > used ? state.files.quota(of: user) - used : 0
            return state.files.maxFileSize > 0 ? min(room, state.files.maxFileSize) : room
        }
        let staging = SecureRandom.identifier("put")
        let blobs = self.blobs
        defer { blobs.discardStaging(staging) }
        let stored: StoredBlob, type: String
        do {
            let writer = try blobs.openStaging(staging)
            defer { writer.close() }
            // Chunked or not: counted as it comes, refused past the quota.
            for try await buffer in body {
                guard writer.size + UInt64(buffer.readableBytes) <= limit else { throw APIError(code: "tooLarge", reason: "quota", status: 507) }
                try buffer.withUnsafeReadableBytes { try writer.append($0) }
            }
            if let declared, writer.size != declared { throw APIError.invalid("body_length") }
            writer.close()  // hands its running hash to the commit, which makes the bytes durable
            (stored, type) = try await offloaded(core) { () throws -> (StoredBlob, String) in
                let type = MediaTypes.sniff(try blobs.stagedPrefix(staging, count: MediaTypes.sniffLength))
                return (try blobs.commit(staging: staging, compress: MediaTypes.compressible(type)), type)
            }
        } catch let error as APIError {
            throw error
        } catch BlobStoreError.diskFull {
            throw APIError(code: "unavailable", reason: "disk_full", status: 507)
        } catch {
            throw APIError(code: "invalid", reason: "body_interrupted", status: 400)
        }
        let existed = core.withState { $0.files.file(area, folder, named: name) != nil }
        _ = try await core.execute(StoreFile(file: file, area: area, folder: folder, name: name,
                                             blob: BlobRef(sha256: stored.sha256, size: stored.size, mediaType: type),
                                             onCollision: .replace), by: user)
        return existed
    }

    // MARK: Paths of the file server's doors (WebDAV, FTP)

    enum Resource {
        case root
        case area(FileArea, name: String)
        case folder(FileArea, path: String)
        case file(FilesView.File)
        /// Nothing there yet; its parent folder exists (or not).
        case missing(FileArea, folder: String, name: String, parentExists: Bool)
        case unknownArea
    }

    /// What a door's path names, for this user (areas they cannot read are unknown).
    func resolve(_ path: DAVPath, _ user: UserID, _ areas: DAVAreas) -> Resource {
        guard let top = path.top else { return .root }
        guard let area = areas.area(named: top) else { return .unknownArea }
        guard let last = path.last else { return .area(area, name: top) }
        return core.withState { state -> Resource in
            guard state.mayRead(area, user) else { return .unknownArea }
            if state.files.folderExists(area, path.inner) { return .folder(area, path: state.files.shownPath(area, path.inner) ?? path.inner) }
            let parent = path.parentInner
            if let file = state.files.file(area, parent, named: last) { return .file(file) }
            return .missing(area, folder: state.files.shownPath(area, parent) ?? parent, name: last,
                            parentExists: state.files.folderExists(area, parent))
        }
    }
}
