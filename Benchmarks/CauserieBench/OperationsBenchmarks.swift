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

func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
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
        var peak_rss_mb: Double
        var rss_before_mb: Double
        var output_mb: Double
    }

    func run() throws {
        let path = Measure.scratchDirectory("export", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        Measure.note("writing \(messages) messages over a year…")
        let store = try writeYear(path, messages: messages)
        defer { store.close() }
        let utc = TimeZone(identifier: "UTC")!
        let request = Exports.Request(from: ISO8601.parse("2025-04-01", timeZone: utc)!, to: ISO8601.parse("2025-07-01", timeZone: utc)!,
                                      format: .jsonl, timeZone: utc)
        let before = residentMiB()
        var peak = before
        let start = ContinuousClock.now
        let manifest = try Exports.run(store, request, into: { _ in }) { _ in peak = max(peak, residentMiB()) }
        let seconds = Measure.seconds(ContinuousClock.now - start)
        peak = max(peak, residentMiB())
        Measure.note("exported \(manifest.count) events (\(manifest.bytes >> 20) MiB) in \(Measure.round(seconds)) s; RSS \(Int(before)) → peak \(Int(peak)) MiB")
        try Measure.report(Report(
            events: manifest.count, events_per_s: Measure.round(Double(manifest.count) / seconds, 0),
            peak_rss_mb: Measure.round(peak, 1), rss_before_mb: Measure.round(before, 1),
            output_mb: Measure.round(Double(manifest.bytes) / 1_048_576, 1)))
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
