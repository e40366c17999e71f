import ArgumentParser
import EventStore
import Foundation
import Logging

/// Durable appends of 200-byte events from 1, 16, 256 and 1,024 concurrent writers.
struct AppendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Durable append throughput and acknowledgement latency.")

    @Option(help: "Concurrent writer counts to run.")
    var writers: [Int] = [1, 16, 256, 1024]

    @Option(help: "Seconds measured per writer count (after a warm-up of a quarter of that).")
    var seconds: Double = 4

    @Option(help: "Payload bytes per event.")
    var size: Int = 200

    @Option(help: "Streams (rooms) the writers spread over; writer w appends to stream w mod this.")
    var streams: Int = 100

    @Option(help: "Parent directory for the stores (default: the temporary directory).")
    var directory: String?

    @Option(help: """
        Offered load in events/s (open loop): events are due at this rate whatever the acknowledgements, \
        at most --writers in flight, and latency counts from each event's due time. Without it each \
        writer appends again as soon as its last append is acknowledged (closed loop).
        """)
    var rate: Double?

    struct Run: Encodable {
        var writers: Int
        var events_per_s: Double
        var commits_per_s: Double
        var events_per_commit: Double
        var p50_ms: Double
        var p99_ms: Double
    }

    struct Report: Encodable {
        var bench = "append"
        var mode: String
        var fsync_ms: Double
        var event_bytes: Int
        var runs: [Run]
    }

    func run() async throws {
        let probeDirectory = Measure.scratchDirectory("fsync", under: directory)
        let fsync = Measure.fsyncProbe(in: probeDirectory)
        try? FileManager.default.removeItem(atPath: probeDirectory)
        Measure.note("fdatasync of 4 KiB: \(Measure.round(fsync)) ms (median of 100)")
        var runs: [Run] = []
        for count in writers {
            let run = if let rate {
                try await measureOpenLoop(writers: count, rate: rate)
            } else {
                try await measure(writers: count)
            }
            Measure.note("\(count) writers: \(Int(run.events_per_s)) events/s, \(Int(run.commits_per_s)) commits/s, "
                + "p50 \(run.p50_ms) ms, p99 \(run.p99_ms) ms")
            runs.append(run)
        }
        try Measure.report(Report(
            mode: rate.map { "open loop at \(Int($0)) events/s" } ?? "closed loop", fsync_ms: Measure.round(fsync),
            event_bytes: size, runs: runs))
    }

    private func measure(writers: Int) async throws -> Run {
        try await withScratchStore { store in try await measure(writers: writers, store: store) }
    }

    private func measure(writers: Int, store: LMDBEventStore) async throws -> Run {
        let payload = Measure.payload(0, size: size)
        let clock = ContinuousClock()
        let start = clock.now
        let measureFrom = start + .seconds(seconds / 4)
        let end = measureFrom + .seconds(seconds)
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for writer in 0..<writers {
                let streams = self.streams
                group.addTask {
                    var mine: [Double] = []
                    let event = NewEvent(stream: "room-\(writer % streams)", type: 1, actor: "user-\(writer)", payload: payload)
                    while true {
                        let sent = clock.now
                        if sent >= end { break }
                        try await store.append([event])
                        if sent >= measureFrom { mine.append(Measure.milliseconds(clock.now - sent)) }
                    }
                    return mine
                }
            }
            // Commits counted over the measured window only.
            try await Task.sleep(until: measureFrom, clock: clock)
            let commitsBefore = store.statistics.commits
            var all: [Double] = []
            for try await part in group { all += part }
            return (all, store.statistics.commits - commitsBefore)
        }
        return Run(writers: writers, latencies: latencies.0, commits: latencies.1, window: Measure.seconds(end - measureFrom))
    }

    /// Events due at `rate` per second, spread evenly; each is appended when due (or, with
    /// `writers` appends already in flight, as soon as one returns), and its latency counts from
    /// when it was due, so that a stall shows in the figures instead of slowing the load.
    private func measureOpenLoop(writers: Int, rate: Double) async throws -> Run {
        try await withScratchStore { store in try await measureOpenLoop(writers: writers, rate: rate, store: store) }
    }

    private func measureOpenLoop(writers: Int, rate: Double, store: LMDBEventStore) async throws -> Run {
        let payload = Measure.payload(0, size: size)
        let streams = self.streams
        let events = (0..<streams).map { NewEvent(stream: "room-\($0)", type: 1, actor: "user-\($0)", payload: payload) }
        let clock = ContinuousClock()
        let start = clock.now
        let measureFrom = start + .seconds(seconds / 4)
        let end = measureFrom + .seconds(seconds)
        let total = Int(rate * Measure.seconds(end - start))
        let (latencies, commits) = try await withThrowingTaskGroup(of: Double?.self) { group in
            var latencies: [Double] = []
            latencies.reserveCapacity(total)
            var inFlight = 0
            var commitsBefore: UInt64?
            for index in 0..<total {
                let due = start + .nanoseconds(Int64(Double(index) / rate * 1e9))
                // Wake every millisecond or so and send what is due (a timer per event would
                // cost the generator more than the appends).
                if due > clock.now + .milliseconds(1) { try await Task.sleep(until: due, clock: clock) }
                if commitsBefore == nil && due >= measureFrom { commitsBefore = store.statistics.commits }
                while inFlight >= writers, let done = try await group.next() {
                    inFlight -= 1
                    if let done { latencies.append(done) }
                }
                let event = events[index % streams]
                let measured = due >= measureFrom
                group.addTask {
                    try await store.append([event])
                    return measured ? Measure.milliseconds(clock.now - due) : nil
                }
                inFlight += 1
            }
            for try await done in group { if let done { latencies.append(done) } }
            return (latencies, store.statistics.commits - (commitsBefore ?? 0))
        }
        return Run(writers: writers, latencies: latencies, commits: commits, window: Measure.seconds(end - measureFrom))
    }

    /// A fresh store in a scratch directory, removed afterwards.
    private func withScratchStore(_ body: (LMDBEventStore) async throws -> Run) async throws -> Run {
        let path = Measure.scratchDirectory("append", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let store = try LMDBEventStore(.init(directory: path, initialMapSize: 4 << 30), logger: logger)
        defer { store.close() }
        return try await body(store)
    }
}

extension AppendBenchmark.Run {
    /// The figures of a run: acknowledgement latencies (ms) and commits in a window of seconds.
    init(writers: Int, latencies: [Double], commits: UInt64, window: Double) {
        let sorted = latencies.sorted()
        let events = Double(sorted.count)
        self.init(
            writers: writers,
            events_per_s: Measure.round(events / window, 0),
            commits_per_s: Measure.round(Double(commits) / window, 0),
            events_per_commit: Measure.round(events / max(1, Double(commits)), 1),
            p50_ms: Measure.round(Measure.percentile(sorted, 0.5)),
            p99_ms: Measure.round(Measure.percentile(sorted, 0.99)))
    }
}
