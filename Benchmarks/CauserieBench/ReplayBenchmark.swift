import ArgumentParser
import EventStore
import Foundation
import Logging

/// Reads and decodes the whole log, with and without recomputing the hash chain.
struct ReplayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Read and decode N events, chain check off and on.")

    @Option(help: "Events in the log.")
    var events: Int = 1_000_000

    @Option(help: "Payload bytes per event.")
    var size: Int = 200

    @Option(help: "Parent directory for the store (default: the temporary directory).")
    var directory: String?

    struct Report: Encodable {
        var bench = "replay"
        var events: Int
        var events_per_s: Double
        var events_per_s_chain: Double
        var store_mb: Double
        var fill_events_per_s: Double
    }

    func run() async throws {
        let path = Measure.scratchDirectory("replay", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let store = try LMDBEventStore(.init(directory: path, initialMapSize: 16 << 30), logger: logger)
        defer { store.close() }
        let fill = try await Self.fill(store, events: events, size: size)
        Measure.note("filled \(events) events in \(Measure.round(fill, 1)) s; store \(store.storedBytes() >> 20) MiB")
        let plain = try Self.scan(store, verifyingChain: false)
        Measure.note("decode: \(Int(plain)) events/s")
        let chained = try Self.scan(store, verifyingChain: true)
        Measure.note("decode + chain: \(Int(chained)) events/s")
        try Measure.report(Report(
            events: events, events_per_s: Measure.round(plain, 0), events_per_s_chain: Measure.round(chained, 0),
            store_mb: Measure.round(Double(store.storedBytes()) / 1_048_576, 1),
            fill_events_per_s: Measure.round(Double(events) / fill, 0)))
    }

    /// Appends `events` events in batches of 1,000 from 4 tasks; returns the seconds it took.
    static func fill(_ store: LMDBEventStore, events: Int, size: Int) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let batch = 1000
        let batches = (events + batch - 1) / batch
        let next = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while let index = next.take(below: batches) {
                        let count = min(batch, events - index * batch)
                        let list = (0..<count).map { offset in
                            let n = index * batch + offset
                            return NewEvent(stream: "room-\(n % 1000)", type: 1, actor: "user-\(n % 500)",
                                            payload: Measure.payload(n, size: size))
                        }
                        try await store.append(list)
                        if index % 1000 == 999 { Measure.note("  \((index + 1) * batch) events") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Measure.seconds(clock.now - start)
    }

    /// Decodes every event; returns events per second.
    static func scan(_ store: LMDBEventStore, verifyingChain: Bool) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var bytes = 0
        try store.scan(verifyingChain: verifyingChain) { event in
            count += 1
            bytes &+= event.payload.count &+ event.stream.utf8.count
            return true
        }
        let elapsed = Measure.seconds(clock.now - start)
        precondition(bytes > 0)
        return Double(count) / elapsed
    }
}

/// A shared counter handing out indices to tasks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        defer { value += 1 }
        return value
    }
}
