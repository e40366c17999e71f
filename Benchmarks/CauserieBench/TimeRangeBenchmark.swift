import ArgumentParser
import EventStore
import Foundation
import Logging

/// Finds one day in a year of events (binary search on timestamps) and reads it.
struct TimeRangeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "time-range", abstract: "Find and read one day out of a year of events.")

    @Option(help: "Events spread evenly over 365 days.")
    var events: Int = 1_000_000

    @Option(help: "Parent directory for the store (default: the temporary directory).")
    var directory: String?

    struct Report: Encodable {
        var bench = "time-range"
        var events: Int
        var ms: Double
        var events_in_day: Int
        var days_sampled: Int
    }

    static let day: Int64 = 86_400_000_000
    static let yearStart = Timestamp(microseconds: 1_735_689_600_000_000)  // 2025-01-01T00:00:00Z

    func run() async throws {
        let path = Measure.scratchDirectory("time-range", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        // A simulated clock: each commit is stamped `step` later than the previous one.
        let perAppend = 100
        let appends = events / perAppend
        let step = 365 * Self.day / Int64(appends)
        let tick = SimulatedClock(start: Self.yearStart, step: step)
        let store = try LMDBEventStore(
            .init(directory: path, initialMapSize: 4 << 30, clock: { tick.next() }), logger: logger)
        defer { store.close() }
        Measure.note("writing \(events) events over a simulated year…")
        for index in 0..<appends {
            let list = (0..<perAppend).map { offset in
                NewEvent(stream: "room-\((index * perAppend + offset) % 100)", type: 1, actor: "u",
                         payload: Measure.payload(index * perAppend + offset, size: 200))
            }
            try await store.append(list)
        }
        // Sample days across the year; time the search and the read of each.
        let days = [17, 90, 163, 241, 330]
        var times: [Double] = []
        var inDay = 0
        for day in days {
            let clock = ContinuousClock()
            let start = clock.now
            let from = Timestamp(microseconds: Self.yearStart.microseconds + Int64(day) * Self.day)
            let to = Timestamp(microseconds: from.microseconds + Self.day)
            guard let first = try store.position(atOrAfter: from) else { continue }
            let end = try store.position(atOrAfter: to) ?? (try store.currentHead().position + 1)
            var count = 0
            if end > first {
                try store.scan(from: first, through: end - 1) { _ in
                    count += 1
                    return true
                }
            }
            times.append(Measure.milliseconds(clock.now - start))
            inDay = count
            Measure.note("day \(day): \(count) events in \(Measure.round(times.last!)) ms")
        }
        let mean = times.reduce(0, +) / Double(max(1, times.count))
        try Measure.report(Report(events: events, ms: Measure.round(mean), events_in_day: inDay, days_sampled: times.count))
    }
}

/// A clock for the store that advances by a fixed step at every reading.
final class SimulatedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64
    private let step: Int64

    init(start: Timestamp, step: Int64) {
        current = start.microseconds
        self.step = step
    }

    func next() -> Timestamp {
        lock.lock()
        defer { lock.unlock() }
        current += step
        return Timestamp(microseconds: current)
    }
}
