import Foundation
// clock_gettime's timespec, as the benchmark's generator reads it (CLOCK_MONOTONIC).
import CoreFoundation
import Synchronization

/// Where a delivery's time goes, stage by stage, when `CAUSERIE_TRACE_FANOUT=FILE` is set (off
/// otherwise: one relaxed load per event). For each event the dispatcher delivers:
///
/// - `received`: the command's frame was read off the sender's socket;
/// - `decided`: the command was decided (the session's task ran it) and its append began;
/// - `acked`: the append returned to the command that made it (a post's durable commit);
/// - `dispatched`: the dispatcher took it from the log's subscription;
/// - `queued`: its frame was queued on every recipient connection;
/// - `flushed`: the last event loop finished writing it to its sockets (the kernel has it).
///
/// At shutdown the percentiles of each stage's duration go to FILE as one JSON object
/// (docs/benchmarks.md, fanout). Times are monotonic nanoseconds.
final class FanoutTrace: Sendable {
    static let shared = FanoutTrace(path: ProcessInfo.processInfo.environment["CAUSERIE_TRACE_FANOUT"])

    /// When the frame being handled was read off its socket (set by the session for its command).
    @TaskLocal static var receivedAt: UInt64 = 0

    private struct Stages {
        var received: UInt64 = 0
        var decided: UInt64 = 0
        var acked: UInt64 = 0
        var dispatched: UInt64 = 0
        var queued: UInt64 = 0
        var flushed: UInt64 = 0
        var loopsPending = 0
    }

    private let path: String?
    private let events = Mutex<[UInt64: Stages]>([:])
    private let done = Mutex<[Stages]>([])

    init(path: String?) {
        self.path = path
    }

    var enabled: Bool { path != nil }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The append of a command decided at `decided` returned with `position`.
    func acked(_ position: UInt64, decided: UInt64) {
        guard enabled else { return }
        let time = Self.now()
        let received = Self.receivedAt
        events.withLock { events in
            events[position, default: Stages()].acked = time
            events[position]?.decided = decided
            events[position]?.received = received
        }
    }

    func dispatched(_ position: UInt64) {
        guard enabled else { return }
        let time = Self.now()
        events.withLock { $0[position, default: Stages()].dispatched = time }
    }

    /// Queued on its connections, spread over `loops` event loops.
    func queued(_ position: UInt64, loops: Int) {
        guard enabled else { return }
        let time = Self.now()
        events.withLock { events in
            events[position, default: Stages()].queued = time
            events[position]?.loopsPending = loops
        }
    }

    /// An event loop wrote every frame queued up to `position`.
    func flushed(upTo position: UInt64) {
        guard enabled else { return }
        let time = Self.now()
        let finished = events.withLock { events -> [Stages] in
            var finished: [Stages] = []
            for (key, var stages) in events where key <= position && stages.queued > 0 {
                stages.loopsPending -= 1
                stages.flushed = time
                if stages.loopsPending <= 0 {
                    finished.append(stages)
                    events.removeValue(forKey: key)
                } else {
                    events[key] = stages
                }
            }
            // Events nobody was sent to (or older than this) are dropped as they fall behind.
            if events.count > 100_000 { events.removeAll() }
            return finished
        }
        if !finished.isEmpty { done.withLock { $0.append(contentsOf: finished) } }
    }

    /// Writes the summary (at shutdown).
    func write() {
        guard let path else { return }
        let all = done.withLock { $0 }
        func stage(_ name: String, _ value: (Stages) -> UInt64?) -> (String, [String: Double]) {
            let sorted = all.compactMap(value).map { Double($0) / 1e6 }.sorted()
            func at(_ fraction: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
            }
            return (name, ["p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99), "max_ms": sorted.last ?? 0,
                           "count": Double(sorted.count)])
        }
        let stages = Dictionary(uniqueKeysWithValues: [
            stage("received_to_decided") { $0.received > 0 && $0.decided >= $0.received ? $0.decided - $0.received : nil },
            stage("decided_to_acked") { $0.decided > 0 && $0.acked >= $0.decided ? $0.acked - $0.decided : nil },
            stage("received_to_flushed") { $0.received > 0 && $0.flushed >= $0.received ? $0.flushed - $0.received : nil },
            stage("ack_to_dispatch") { $0.acked > 0 && $0.dispatched >= $0.acked ? $0.dispatched - $0.acked : nil },
            stage("dispatch_to_queued") { $0.queued >= $0.dispatched && $0.dispatched > 0 ? $0.queued - $0.dispatched : nil },
            stage("queued_to_flushed") { $0.flushed >= $0.queued ? $0.flushed - $0.queued : nil },
            stage("ack_to_flushed") { $0.acked > 0 && $0.flushed >= $0.acked ? $0.flushed - $0.acked : nil },
        ])
        if let data = try? JSONSerialization.data(withJSONObject: ["events": all.count, "stages": stages], options: [.sortedKeys]) {
            _ = FileManager.default.createFile(atPath: path, contents: data)
        }
    }
}
