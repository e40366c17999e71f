import EventStore
import Foundation
import Hummingbird
import Logging
import Operations
import Projections
import Wire

/// The admin panel's Audit tab: `audit verify` with its result, and the administrative trail
/// (the same rule as `causerie audit log`: `AuditTrail`), moderation included.
struct AuditRoutes {
    let kit: HTTPKit
    /// The trail is a batch read over the log (`EventLogReader`), as the command-line tool's.
    let store: any EventLogReader
    /// Every existing file's content is checked with the chain.
    let blobs: any BlobStore
    var core: ChatCore { kit.core }

    struct Verification: Encodable {
        var intact: Bool
        var checked: UInt64
        var head: UInt64
        var headHash: String
        var verifiedThrough: UInt64
        var problem: String?
        var problemPosition: UInt64?
        /// The `AuditVerified` event's position.
        var position: UInt64
        /// File contents: how many were rehashed, and those missing or altered (by the event naming each).
        var files: BlobAudit.Report
    }

    struct Trail: Encodable {
        /// Newest first.
        var entries: [AuditTrail.Entry]
        /// More matched than `limit`: the oldest were left out.
        var truncated: Bool
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.post("admin/audit/verify") { request, _ in
            let admin = try kit.administrator(request)
            let report: VerificationReport
            do {
                report = try await core.store.verify(from: 1, to: nil)
            } catch {
                core.logger.error("audit verify failed", metadata: ["error": "\(error)"])
                throw APIError(code: "unavailable", reason: "operation_failed", status: 503)
            }
            let blobs = self.blobs
            let state = core.withState { $0 }
            let files = try await offloaded(core) { BlobAudit.verify(state, blobs: blobs) }
            var problem = report.problem.map { "\($0.kind.rawValue): \($0.detail)" }
            var problemPosition = report.problem?.position
            if problem == nil, let first = files.problems.first {
                problem = "blob_\(first.kind): \(first.name) (\(first.sha256))"
                problemPosition = first.position
            }
            let position = try await core.execute(RecordOperation(.auditVerified(.init(
                checked: report.checked, intact: problem == nil, headPosition: report.recordedHead.position,
                headHash: report.recordedHead.hash.hex, problemPosition: problemPosition ?? 0, problem: problem ?? "",
                by: admin.rawValue))), by: admin)
            return kit.json(Verification(
                intact: problem == nil, checked: report.checked, head: report.recordedHead.position,
                headHash: report.recordedHead.hash.hex, verifiedThrough: report.verifiedHead.position, problem: problem,
                problemPosition: problemPosition, position: position, files: files))
        }
        api.get("admin/audit/trail") { request, _ in
            _ = try kit.administrator(request)
            let query = try kit.query(request, allowing: ["from", "to", "kind", "actor", "limit", "timeZone"])
            let (zoneName, fromText, toText, actor, limit): (String?, String?, String?, String?, TrailLimit?)
            do throws(Rejection) {
                (zoneName, fromText, toText, actor, limit) = (try query.string("timeZone"), try query.string("from"),
                                                              try query.string("to"), try query.string("actor"),
                                                              try query.number("limit"))
            } catch {
                throw APIError(error)
            }
            let zone = try zoneName.map { name -> TimeZone in
                guard let zone = TimeZone(identifier: name) else { throw APIError.invalid("parameter:timeZone") }
                return zone
            } ?? TimeZone(identifier: "UTC")!
            func date(_ text: String?) throws(APIError) -> Date? {
                guard let text else { return nil }
                guard let date = ISO8601.parse(text, timeZone: zone) else { throw APIError.invalid("parameter:from/to") }
                return date
            }
            let kinds = Set(query.strings("kind"))
            if let unknown = kinds.first(where: { !AuditTrail.kinds.contains($0) }) {
                throw APIError.invalid("parameter:kind:" + String(unknown.prefix(64)))
            }
            let trailQuery = AuditTrail.Query(actor: actor, kinds: kinds, from: try date(fromText), to: try date(toText),
                                              timeZone: zone)
            let keep = limit?.value ?? 200
            let store = self.store
            let (entries, truncated) = try await offloaded(core) { () throws -> ([AuditTrail.Entry], Bool) in
                // The newest `keep` entries: a ring, so that a long range costs no more memory.
                var ring: [AuditTrail.Entry] = []
                ring.reserveCapacity(keep)
                var seen = 0
                try AuditTrail.run(store, trailQuery) { entry in
                    if ring.count < keep { ring.append(entry) } else { ring[seen % keep] = entry }
                    seen += 1
                }
                let start = seen > keep ? seen % keep : 0
                return (Array((ring[start...] + ring[..<start]).reversed()), seen > keep)
            }
            return kit.json(Trail(entries: entries, truncated: truncated))
        }
    }
}

/// How many trail entries one request returns: 1 to 1,000 (200 if left out).
struct TrailLimit: CheckedNumber {
    static let range: ClosedRange<Int> = 1...1_000
    let value: Int
    init(unchecked value: Int) { self.value = value }
}
