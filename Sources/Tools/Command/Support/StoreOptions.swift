import ArgumentParser
import EventStore
import Foundation
import Operations

/// Where a tool reads the log from: the data directory (read-only, so the server may keep
/// running and writing), or a backup (full, then increments), restored into a temporary directory.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (default ./data). Opened read-only: the server may run.")
    var data: String = "./data"

    @Option(name: .long, parsing: .upToNextOption, help: "Read from backup files instead (full, then increments).")
    var backup: [String] = []

    /// Opens the log; `cleanup` removes anything temporary.
    func open() throws -> (store: LMDBEventStore, cleanup: () -> Void) {
        let (store, _, cleanup) = try openWithDirectory()
        return (store, cleanup)
    }

    /// The store, and the data directory it is in (a scratch one restored from backups), whose
    /// `blobs/` holds the files' contents.
    func openWithDirectory() throws -> (store: LMDBEventStore, directory: String, cleanup: () -> Void) {
        if backup.isEmpty {
            guard FileManager.default.fileExists(atPath: data + "/data.mdb") else {
                throw ValidationError("no store in \(data) (give --data, or --backup FILE)")
            }
            let store = try LMDBEventStore(.init(directory: data, readOnly: true), logger: .quiet)
            return (store, data, { store.close() })
        }
        let scratch = NSTemporaryDirectory() + "causerie-backup-" + UUID().uuidString
        _ = try Backups.restore(backup, into: scratch)
        let store = try LMDBEventStore(.init(directory: scratch, readOnly: true), logger: .quiet)
        return (store, scratch, {
            store.close()
            try? FileManager.default.removeItem(atPath: scratch)
        })
    }
}

/// `--json` for machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(name: .customLong("time-zone"), help: "Time zone for times shown and dates read (default: this machine's).")
    var timeZoneName: String?

    var timeZone: TimeZone {
        get throws {
            guard let timeZoneName else { return .current }
            guard let zone = TimeZone(identifier: timeZoneName) else { throw ValidationError("unknown time zone \(timeZoneName)") }
            return zone
        }
    }

    func print(json value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A date or a position on the command line.
enum Moment {
    case position(UInt64)
    case date(Date)

    init(_ text: String, timeZone: TimeZone) throws {
        if let position = UInt64(text) {
            self = .position(position)
        } else if let date = ISO8601.parse(text, timeZone: timeZone) {
            self = .date(date)
        } else {
            throw ValidationError("\(text) is neither a position nor a date (2026-11-24, 2026-11-24T14:30, …)")
        }
    }
}

func parseDate(_ text: String, _ timeZone: TimeZone, option: String) throws -> Date {
    guard let date = ISO8601.parse(text, timeZone: timeZone) else {
        throw ValidationError("\(option): \(text) is not a date (2026-11-24, 2026-11-24T14:30, 2026-11-24T14:30:00+01:00)")
    }
    return date
}

/// A progress bar on standard error, only when it is a terminal.
final class Progress {
    private let label: String
    private let enabled = isatty(2) == 1
    private var last = -1

    init(_ label: String) {
        self.label = label
    }

    func update(_ fraction: Double, _ detail: String = "") {
        guard enabled else { return }
        let percent = Int(max(0, min(1, fraction)) * 100)
        guard percent != last else { return }
        last = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% \(detail)".utf8))
    }

    func done() {
        guard enabled, last >= 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("causerie: \(message)\n".utf8))
    Foundation.exit(1)
}
