import EventStore
import Fixtures
import Foundation
import Logging
import Operations
import Projections
import Synchronization

/// A temporary directory removed at the end of the test.
struct Scratch {
    let path: String

    init(_ label: String) {
        path = NSTemporaryDirectory() + "causerie-ops-\(label)-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// A clock the test moves by hand: records get the dates a scripted history needs.
final class ManualClock: Sendable {
    private let value: Mutex<Int64>

    init(_ date: String) {
        value = Mutex(Self.micros(date))
    }

    static func micros(_ date: String) -> Int64 {
        Timestamp(ISO8601.parse(date, timeZone: TimeZone(identifier: "UTC")!)!).microseconds
    }

    func set(_ date: String) { value.withLock { $0 = Self.micros(date) } }
    func advance(seconds: Int64) { value.withLock { $0 += seconds * 1_000_000 } }
    var now: Int64 { value.withLock { $0 } }
    var timestamp: Timestamp { Timestamp(microseconds: now) }
}

extension Fixture {
    /// A fixture whose records are stamped by `clock`, and whose decisions happen at its time.
    static func dated(_ directory: String, _ clock: ManualClock) throws -> Fixture {
        try Fixture(directory: directory) { clock.timestamp }
    }

    /// Runs a command at the clock's time and appends at once.
    @discardableResult
    func now(_ clock: ManualClock, _ command: some Command, by actor: UserID) throws -> [UInt64] {
        at(clock.now)
        let positions = try run(command, by: actor)
        try flushSync()
        return positions
    }
}

/// The views folded from a store's log up to `position` (the whole log when nil).
func views(_ store: LMDBEventStore, through position: UInt64? = nil) throws -> ChatState {
    try Replay(store, through: position ?? .max).state
}

let quietLogger: Logger = .quiet

/// Runs the `causerie` command built with the tests; returns its exit status and output.
func causerie(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug"),
    ]
    guard let directory = candidates.first(where: {
        FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("causerie").path)
    }) else { fatalError("causerie is not built next to the tests") }
    let process = Process()
    process.executableURL = directory.appendingPathComponent("causerie")
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
