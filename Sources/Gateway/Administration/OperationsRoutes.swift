import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Operations
import Projections
import Wire

/// Backups and compliance exports for administrators, as streamed downloads, logged as events.
struct OperationsRoutes {
    let kit: HTTPKit
    /// Backups and exports read the embedded store directly (Operations works on LMDB files).
    let store: LMDBEventStore
    /// File contents go into backups with the log.
    let blobs: any BlobStore
    var core: ChatCore { kit.core }

    private func administrator(_ request: Request) throws(APIError) -> UserID { try kit.administrator(request) }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("admin/backup") { request, _ in
            let admin = try administrator(request)
            let path = core.configuration.dataDirectory + "/.download-" + UUID().uuidString + ".cbk"
            let result = try await removing(path, onFailureOf: {
                let blobs = self.blobs
                let result = try await offload { try Backups.full(store, blobs: blobs, to: path) }
                try await core.execute(RecordOperation(.backupTaken(.init(
                    kind: result.kind, headPosition: result.head.position, headHash: result.head.hash.hex, sha256: result.sha256,
                    bytes: result.bytes, by: admin.rawValue))), by: admin)
                return result
            })
            let stamp = ISO8601.now().prefix(19).replacingOccurrences(of: ":", with: "-")
            return streamFile(path, contentType: "application/octet-stream", name: "causerie-\(stamp).cbk", headers: [
                .causerieHead: "\(result.head.position):\(result.head.hash.hex)", .causerieSHA256: result.sha256,
            ])
        }
        api.get("admin/export") { request, _ in
            let admin = try administrator(request)
            // Unknown parameters are refused: `rooms=` for `room=` must not export everything.
            let query = try kit.query(request, allowing: ["from", "to", "timeZone", "format", "room", "user"])
            let (zoneName, fromText, toText, formatName): (String?, String?, String?, String?)
            do throws(Rejection) {
                (zoneName, fromText, toText, formatName) = (try query.string("timeZone"), try query.string("from"),
                                                            try query.string("to"), try query.string("format"))
            } catch {
                throw APIError(error)
            }
            let zone = try zoneName.map { name -> TimeZone in
                guard let zone = TimeZone(identifier: name) else { throw APIError.invalid("parameter:timeZone") }
                return zone
            } ?? TimeZone(identifier: "UTC")!
            guard let fromText, let from = ISO8601.parse(fromText, timeZone: zone),
                  let toText, let to = ISO8601.parse(toText, timeZone: zone)
            else { throw APIError.invalid("parameter:from/to") }
            guard from < to else { throw APIError.invalid("range:empty") }
            guard let format = Exports.Format(rawValue: formatName ?? "jsonl") else { throw APIError.invalid("parameter:format") }
            let rooms = query.strings("room").map { RoomID($0) }
            let users = query.strings("user").map { UserID($0) }
            let path = core.configuration.dataDirectory + "/.download-" + UUID().uuidString + "." + format.rawValue
            let manifest = try await removing(path, onFailureOf: {
                let manifest = try await offload { () throws -> ExportManifest in
                    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
                    else { throw OperationError.io("cannot write \(path)") }
                    defer { try? handle.close() }
                    return try Exports.run(store, Exports.Request(from: from, to: to, rooms: rooms, users: users, format: format,
                                                                  timeZone: zone),
                                           into: { try handle.write(contentsOf: Data($0)) })
                }
                try await core.execute(RecordOperation(.exportTaken(.init(
                    format: format.rawValue, from: manifest.from, to: manifest.to, rooms: manifest.rooms, users: manifest.users,
                    count: manifest.count, headPosition: manifest.head.position, sha256: manifest.sha256, by: admin.rawValue))),
                    by: admin)
                return manifest
            })
            let encoded = (try? JSONEncoder().encode(manifest).base64EncodedString()) ?? ""
            let type = switch format {
            case .jsonl: "application/x-ndjson; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            case .html: "text/html; charset=utf-8"
            }
            return streamFile(path, contentType: type, name: "causerie-export.\(format.rawValue)", headers: [
                .causerieManifest: encoded, .causerieSHA256: manifest.sha256,
            ])
        }
    }

    /// Runs `work`, which prepares the download at `path`; if it fails, nothing is left on disk.
    private func removing<T>(_ path: String, onFailureOf work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws(APIError) -> T {
        try await offloaded(core, work)
    }

    /// Streams a temporary file in chunks and removes it afterwards.
    private func streamFile(_ path: String, contentType: String, name: String, headers extra: HTTPFields) -> Response {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        var headers: HTTPFields = [
            .contentType: contentType, .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
        ]
        headers.append(contentsOf: extra)
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: size) { writer in
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let handle = FileHandle(forReadingAtPath: path) else { return }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        })
    }
}


extension HTTPField.Name {
    static let causerieHead = Self("X-Causerie-Head")!
    static let causerieSHA256 = Self("X-Causerie-SHA256")!
    static let causerieManifest = Self("X-Causerie-Manifest")!
}
