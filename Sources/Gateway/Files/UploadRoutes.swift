import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Operations
import Projections
import Wire

/// Resumable uploads: the tus 1.0 protocol (core, creation, creation-with-upload, termination,
/// expiration; https://tus.io/protocols/resumable-upload), so any tus client works and a
/// dropped connection continues where it stopped (HEAD says how far the server got).
///
/// Size, quota and rights are checked when the upload is created — before a byte of body is
/// read — and again when it completes (rights may have changed meanwhile).
struct UploadRoutes {
    let files: FileService
    var kit: HTTPKit { files.kit }

    static let version = "1.0.0"

    func add(to api: RouterGroup<CauserieContext>) {
        api.on("uploads", method: .options) { _, _ in
            Response(status: .noContent, headers: [
                .tusResumable: Self.version, .tusVersion: Self.version,
                .tusExtension: "creation,creation-with-upload,termination,expiration",
                .tusMaxSize: String(files.maxUploadSize),
            ])
        }
        api.post("uploads") { request, _ in
            let (user, _) = try kit.caller(request)
            try Self.requireVersion(request)
            return try await create(request, user)
        }
        api.head("uploads/{upload}") { request, context in
            let (user, _) = try kit.caller(request)
            try Self.requireVersion(request)
            let upload = try files.upload(try kit.parameter("upload", context), of: user)
            let offset = upload.blob != nil ? upload.length : (files.blobs.stagedSize(upload.id) ?? 0)
            var headers = files.tusHeaders(upload, offset: offset)
            headers[.cacheControl] = "no-store"
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers)
        }
        api.patch("uploads/{upload}") { request, context in
            let (user, _) = try kit.caller(request)
            try Self.requireVersion(request)
            let upload = try files.upload(try kit.parameter("upload", context), of: user)
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/offset+octet-stream") == true else {
                throw APIError(code: "invalid", reason: "content_type", status: 415)
            }
            let given = try Self.bytes(request.headers[.uploadOffset] ?? "", "upload_offset")
            return try await files.receive(request, into: upload, at: given, by: user)
        }
        api.delete("uploads/{upload}") { request, context in
            let (user, _) = try kit.caller(request)
            try Self.requireVersion(request)
            let upload = try files.upload(try kit.parameter("upload", context), of: user)
            guard files.uploads.begin(upload.id) else { throw APIError(code: "conflict", reason: "upload_busy", status: 423) }
            defer { files.uploads.end(upload.id) }
            files.uploads.remove(upload.id)
            return Response(status: .noContent, headers: [.tusResumable: Self.version])
        }
    }

    static func requireVersion(_ request: Request) throws(APIError) {
        guard request.headers[.tusResumable] == version else {
            throw APIError(code: "invalid", reason: "tus_version", status: 412)
        }
    }

    /// POST: checks everything that can be checked before the body, then (creation-with-upload)
    /// takes the first bytes if the request carries them.
    private func create(_ request: Request, _ user: UserID) async throws -> Response {
        guard let lengthText = request.headers[.uploadLength] else {
            throw APIError.invalid(request.headers[.uploadDeferLength] != nil ? "upload_defer_length" : "upload_length")
        }
        let length = try Self.bytes(lengthText, "upload_length")
        let metadata = try Self.metadata(request.headers[.uploadMetadata] ?? "")
        guard let name = metadata["filename"] ?? metadata["name"], !name.isEmpty else { throw APIError.invalid("filename") }
        let area = try await files.resolveArea(metadata["area"] ?? "personal", for: user)
        let part = metadata["part"] == "1" || metadata["part"] == "true"
        let folder = part ? "" : (metadata["folder"] ?? "")
        let overwrite = metadata["overwrite"] == "1" || metadata["overwrite"] == "true"
        guard files.uploads.count(of: user) < UploadRegistry.maxPerUser else { throw APIError.tooLarge("uploads") }
        // The same decision the completed upload will face, with the announced size.
        let file = FileID(SecureRandom.identifier("f"))
        let probe = StoreFile(file: file, area: area, folder: folder, name: part ? Self.lastName(name) : name,
                              blob: BlobRef(sha256: "", size: length, mediaType: MediaTypes.octetStream),
                              onCollision: overwrite ? .replace : .rename)
        try files.check(probe, by: user, pendingBytes: files.pendingBytes(of: user))
        let upload = UploadRegistry.Upload(
            id: SecureRandom.identifier("up"), owner: user.rawValue, length: length, area: area.parameter(for: user),
            folder: folder, name: name, part: part, file: file.rawValue, overwrite: overwrite, created: kit.now)
        do {
            try files.uploads.save(upload)
        } catch {
            throw APIError.unavailable
        }
        var headers = files.tusHeaders(upload, offset: 0)
        headers[.location] = "/api/v1/uploads/\(upload.id)"
        let hasBody = request.headers[.contentType]?.lowercased().hasPrefix("application/offset+octet-stream") == true
        if hasBody || length == 0 {
            let answer = try await files.receive(request, into: upload, at: 0, by: user)
            for field in answer.headers { headers[field.name] = field.value }
        }
        headers[.location] = "/api/v1/uploads/\(upload.id)"
        return Response(status: .created, headers: headers)
    }

    /// A byte count from a header, checked like every number from outside.
    static func bytes(_ text: String, _ field: String) throws(APIError) -> UInt64 {
        do throws(Rejection) {
            return try ByteCount(parsing: Substring(text), field: field).value
        } catch {
            throw APIError(error)
        }
    }

    static func lastName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent).
    static func metadata(_ header: String) throws(APIError) -> [String: String] {
        guard header.utf8.count <= 16_384 else { throw APIError.tooLarge("upload_metadata") }
        var result: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingSpaces.split(separator: " ", maxSplits: 1)
            guard let key = parts.first, !key.isEmpty, key.utf8.count <= 64 else { continue }
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let value = String(data: data, encoding: .utf8) else {
                    throw APIError.invalid("upload_metadata")
                }
                result[String(key)] = value
            } else {
                result[String(key)] = ""
            }
        }
        return result
    }
}

extension HTTPField.Name {
    static let tusResumable = Self("Tus-Resumable")!
    static let tusVersion = Self("Tus-Version")!
    static let tusExtension = Self("Tus-Extension")!
    static let tusMaxSize = Self("Tus-Max-Size")!
    static let uploadLength = Self("Upload-Length")!
    static let uploadOffset = Self("Upload-Offset")!
    static let uploadMetadata = Self("Upload-Metadata")!
    static let uploadDeferLength = Self("Upload-Defer-Length")!
    static let uploadExpires = Self("Upload-Expires")!
    static let causerieFile = Self("X-Causerie-File")!
    static let causeriePosition = Self("X-Causerie-Position")!
}
