import ArgumentParser
import EventStore
import Fixtures
import Foundation
import Operations
import Projections

/// Writes `count` messages spread evenly over a year (from 2025-01-01), by 500 users in 100 rooms.
func writeYear(_ path: String, messages count: Int) throws -> LMDBEventStore {
    let clock = SimulatedClock(start: Timestamp(microseconds: 1_735_689_600_000_000), step: 365 * 86_400_000_000 / Int64(count / 100))
    let fixture = try Fixture(directory: path) { clock.next() }
    try fixture.initialize(passwordHash: "x")
    try fixture.addUsers(500, passwordHash: "x")
    for room in 0..<100 {
        try fixture.run(CreateRoom(room: RoomID("r\(room)"), name: "Room \(room)", visibility: .public), by: Fixture.user(room))
    }
    try fixture.flushSync()
    var batch: [NewEvent] = []
    for index in 0..<count {
        let event = DomainEvent.messagePosted(.init(clientID: "c\(index)", text: Measure.payloadText(index), replyTo: nil, mentions: []))
        batch.append(NewEvent(stream: Streams.room(RoomID("r\(index % 100)")), type: event.tag,
                              actor: Fixture.user(index % 500).rawValue, payload: event.encodedPayload()))
        // 100 events per commit: each commit gets the next tick of the simulated clock.
        if batch.count == 100 {
            try fixture.store.appendBlocking(batch)
            batch.removeAll(keepingCapacity: true)
        }
        if index % 200_000 == 199_999 { Measure.note("  \(index + 1) messages") }
    }
    if !batch.isEmpty { try fixture.store.appendBlocking(batch) }
    return fixture.store
}

/// Resident memory in MiB: `VmRSS` counts the store's pages LMDB maps in as they are read (they
/// belong to the page cache and cost no heap); `RssAnon` is the process's own memory.
func residentMiB(_ field: String = "VmRSS:") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix(field) {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? .nan) / 1024
    }
    return .nan
}

/// A quarter of a year of messages exported as JSON Lines.
struct ExportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export one quarter of a year of messages as JSONL: events/s and memory.")

    @Option(help: "Messages over the year.") var messages: Int = 1_000_000
    @Option(help: "Parent directory for the store.") var directory: String?

    struct Report: Encodable {
        var bench = "export"
        var events: UInt64
        var events_per_s: Double
        /// The process's own memory (RssAnon) at its highest during the quarter's export.
        var peak_rss_mb: Double
        var rss_before_mb: Double
        /// The same for the whole year (four times the events): flat memory means about the same.
        var year_peak_rss_mb: Double
        var year_events_per_s: Double
        /// VmRSS at its highest, counting the store's pages mapped in by LMDB.
        var peak_vmrss_mb: Double
        var output_mb: Double
    }

    struct Run {
        var count: UInt64
        var bytes: UInt64
        var seconds: Double
        var peakAnon: Double
        var peakTotal: Double
    }

    func export(_ store: LMDBEventStore, from: String, to: String) throws -> Run {
        let utc = TimeZone(identifier: "UTC")!
        let request = Exports.Request(from: ISO8601.parse(from, timeZone: utc)!, to: ISO8601.parse(to, timeZone: utc)!,
                                      format: .jsonl, timeZone: utc)
        var peakAnon = residentMiB("RssAnon:")
        var peakTotal = residentMiB()
        let start = ContinuousClock.now
        let manifest = try Exports.run(store, request, into: { _ in }) { _ in
            peakAnon = max(peakAnon, residentMiB("RssAnon:"))
            peakTotal = max(peakTotal, residentMiB())
        }
        let seconds = Measure.seconds(ContinuousClock.now - start)
        return Run(count: manifest.count, bytes: manifest.bytes, seconds: seconds,
                   peakAnon: max(peakAnon, residentMiB("RssAnon:")), peakTotal: max(peakTotal, residentMiB()))
    }

    func run() throws {
        let path = Measure.scratchDirectory("export", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        Measure.note("writing \(messages) messages over a year…")
        let store = try writeYear(path, messages: messages)
        defer { store.close() }
        let before = residentMiB("RssAnon:")
        // Five runs, the median reported: the first follows the writes, while the kernel flushes them.
        let runs = try (0..<5).map { _ in try export(store, from: "2025-04-01", to: "2025-07-01") }
        Measure.note("quarter runs: " + runs.map { "\(Int(Double($0.count) / $0.seconds)) ev/s" }.joined(separator: ", "))
        var quarter = runs.sorted { $0.seconds < $1.seconds }[2]
        quarter.peakAnon = runs.map(\.peakAnon).max()!
        quarter.peakTotal = runs.map(\.peakTotal).max()!
        Measure.note("quarter: \(quarter.count) events (\(quarter.bytes >> 20) MiB) in \(Measure.round(quarter.seconds)) s; "
            + "RssAnon \(Int(before)) → peak \(Int(quarter.peakAnon)) MiB (VmRSS peak \(Int(quarter.peakTotal)) MiB)")
        let year = try export(store, from: "2025-01-01", to: "2026-01-01")
        Measure.note("year: \(year.count) events in \(Measure.round(year.seconds)) s; RssAnon peak \(Int(year.peakAnon)) MiB")
        try Measure.report(Report(
            events: quarter.count, events_per_s: Measure.round(Double(quarter.count) / quarter.seconds, 0),
            peak_rss_mb: Measure.round(quarter.peakAnon, 1), rss_before_mb: Measure.round(before, 1),
            year_peak_rss_mb: Measure.round(year.peakAnon, 1),
            year_events_per_s: Measure.round(Double(year.count) / year.seconds, 0),
            peak_vmrss_mb: Measure.round(quarter.peakTotal, 1),
            output_mb: Measure.round(Double(quarter.bytes) / 1_048_576, 1)))
    }
}

/// A full backup of a store of about 1 GB, and its restore.
struct BackupBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Full backup of a ~1 GB store (MB/s, size ratio), and restore (MB/s).")

    @Option(help: "Messages to write first (about 330 bytes each with the index).") var messages: Int = 3_000_000
    @Option(help: "Parent directory for the store and the backup.") var directory: String?

    struct Report: Encodable {
        var bench = "backup"
        var store_mb: Double
        var backup_mb: Double
        var backup_mb_per_s: Double
        var restore_mb_per_s: Double
        var ratio: Double
    }

    func run() throws {
        let path = Measure.scratchDirectory("backup", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        Measure.note("writing \(messages) messages…")
        let store = try writeYear(path + "/data", messages: messages)
        let storeBytes = Double(store.storedBytes())
        let backup = try Backups.full(store, to: path + "/full.cbk")
        store.close()
        let restoreStart = ContinuousClock.now
        _ = try Backups.restore([path + "/full.cbk"], into: path + "/restored")
        let restoreSeconds = Measure.seconds(ContinuousClock.now - restoreStart)
        let mb = storeBytes / 1_048_576
        Measure.note("store \(Int(mb)) MiB; backup \(backup.bytes >> 20) MiB in \(Measure.round(backup.seconds)) s; "
            + "restore (with verification) in \(Measure.round(restoreSeconds)) s")
        try Measure.report(Report(
            store_mb: Measure.round(mb, 1), backup_mb: Measure.round(Double(backup.bytes) / 1_048_576, 1),
            backup_mb_per_s: Measure.round(mb / backup.seconds, 1), restore_mb_per_s: Measure.round(mb / restoreSeconds, 1),
            ratio: Measure.round(storeBytes / Double(backup.bytes), 2)))
    }
}
