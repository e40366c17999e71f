import CauserieClient
import Fixtures
import Foundation
import Gateway
import NIOCore
import NIOPosix
import Synchronization

/// `fanout --peer inspircd|mosquitto`: the same shape — one sender, N receivers in one room,
/// `size`-byte messages at fixed rates — driven by the same generator against Causerie and a peer
/// from Debian, in alternating rounds, on this machine. Reports latency (p50, p99) and
/// deliveries per server CPU-second for each, and their ratios.
///
/// Causerie logs each message durably (one fdatasync per post, as every post is) before it
/// delivers it; the peers keep nothing. That difference is part of what is measured.
struct PeerFanout {
    let peer: PeerServer.Kind
    let receivers: Int
    let rates: [Double]
    let rounds: Int
    let seconds: Double
    let size: Int
    let directory: String?

    struct Trial: Encodable {
        var system: String
        var round: Int
        var rate: Double
        var p50_ms: Double
        var p99_ms: Double
        var deliveries: Int
        var expected: Int
        var server_cpu_s: Double
        var deliveries_per_cpu_s: Double
    }

    struct Summary: Encodable {
        var name: String
        var p50_ms: Double
        var p99_ms: Double
        var p99_range_ms: [Double]
        var deliveries_per_cpu_s: Double
    }

    struct RateReport: Encodable {
        var rate: Double
        var causerie: Summary
        var peer: Summary
        /// Causerie's over the peer's: below 1 is better for latency, above 1 for CPU.
        var ratio_p99: Double
        var ratio_deliveries_per_cpu_s: Double
    }

    struct Report: Encodable {
        var bench = "fanout"
        var receivers: Int
        var size: Int
        var seconds: Double
        var rounds: Int
        /// At the highest rate.
        var rate: Double
        var p50_ms: Double
        var p99_ms: Double
        var deliveries_per_cpu_s: Double
        var peer: Summary
        var ratio_p99: Double
        var ratio_deliveries_per_cpu_s: Double
        var rates: [RateReport]
        var trials: [Trial]
    }

    func run() async throws {
        let store = Measure.scratchDirectory("fanout-peer", under: directory)
        defer { try? FileManager.default.removeItem(atPath: store) }
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: store)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(receivers + 1, passwordHash: hash)
        try fixture.close()
        let causerie = try ServerProcess(directory: store)
        defer { causerie.stop() }
        let other = try PeerServer(peer)
        defer { other.stop() }
        try await causerie.waitReady()
        try await other.waitReady()
        let causeriePort = causerie.port, peerPort = other.port, peer = self.peer, size = self.size
        Measure.note("causerie on \(causeriePort), \(peer.rawValue) on \(peerPort); \(receivers) receivers, rates \(rates), \(rounds) rounds of \(seconds) s")
        var trials: [Trial] = []
        for round in 1...rounds {
            for rate in rates {
                // Alternate which goes first, so that neither always follows the other's load.
                let order = round % 2 == 1 ? [true, false] : [false, true]
                for isCauserie in order {
                    let trial = isCauserie
                        ? try await trial(system: "causerie", round: round, rate: rate, cpu: { causerie.cpuSeconds }) { index, group, sender, onPayload in
                            let token = Fixture.token(sender ? 0 : index + 1)
                            let connection = try await BenchConnection.open(port: causeriePort, token: token, group: group) { frame in
                                if !sender, Frames.contains(frame, Frames.posted) { onPayload(frame) }
                            }
                            let counter = PostCounter()
                            return Link(send: { connection.send(postFrame(id: "p\(round)-\(Int(rate))-\(counter.next())", room: "main", size: size)) },
                                        close: { await connection.socket.close() })
                        }
                        : try await trial(system: peer.rawValue, round: round, rate: rate, cpu: { other.cpuSeconds }) { index, group, sender, onPayload in
                            let kind: PeerConnection.Speech = switch peer {
                            case .inspircd: .irc(nick: sender ? "sender" : "r\(index)")
                            case .mosquitto: .mqtt(client: sender ? "sender" : "r\(index)", subscribe: !sender)
                            }
                            let connection = try await PeerConnection.open(host: "127.0.0.1", port: peerPort, as: kind, group: group) { payload in
                                if !sender { onPayload(payload) }
                            }
                            return Link(send: { connection.send(Self.text(size: size)) }, close: { await connection.close() })
                        }
                    trials.append(trial)
                    Measure.note("round \(round), \(Int(rate)) msg/s, \(trial.system): p50 \(trial.p50_ms) ms, p99 \(trial.p99_ms) ms, "
                        + "\(trial.deliveries)/\(trial.expected) delivered, \(Int(trial.deliveries_per_cpu_s)) deliveries per CPU-s")
                }
            }
        }
        let reports = rates.map { rate in
            let mine = summary("causerie", trials.filter { $0.system == "causerie" && $0.rate == rate })
            let theirs = summary(peer.rawValue, trials.filter { $0.system == peer.rawValue && $0.rate == rate })
            return RateReport(rate: rate, causerie: mine, peer: theirs,
                              ratio_p99: Measure.round(mine.p99_ms / max(theirs.p99_ms, 0.001)),
                              ratio_deliveries_per_cpu_s: Measure.round(mine.deliveries_per_cpu_s / max(theirs.deliveries_per_cpu_s, 1)))
        }
        Measure.note("all trials done; stopping the servers")
        let top = reports.last!
        try Measure.report(Report(
            receivers: receivers, size: size, seconds: seconds, rounds: rounds, rate: top.rate, p50_ms: top.causerie.p50_ms,
            p99_ms: top.causerie.p99_ms, deliveries_per_cpu_s: top.causerie.deliveries_per_cpu_s, peer: top.peer,
            ratio_p99: top.ratio_p99, ratio_deliveries_per_cpu_s: top.ratio_deliveries_per_cpu_s, rates: reports, trials: trials))
    }

    /// A connection of the generator, whatever it speaks.
    struct Link: Sendable {
        var send: @Sendable () -> Void
        var close: @Sendable () async -> Void
    }

    typealias Connect = @Sendable (_ index: Int, _ group: MultiThreadedEventLoopGroup, _ sender: Bool,
                                   _ onPayload: @escaping @Sendable ([UInt8]) -> Void) async throws -> Link

    /// One system at one rate: connect, wait a second, send at `rate` for `seconds`, let the last
    /// deliveries arrive, disconnect. CPU is the server's over the sending and settling time.
    private func trial(system: String, round: Int, rate: Double, cpu: () -> Double, connect: @escaping Connect) async throws -> Trial {
        // As in `fanout`: the receivers share one event-loop thread, the sender has its own.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let senderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = Recorder()
        let measuring = Switch()
        var links: [Link] = []
        for start in stride(from: 0, to: receivers, by: 100) {
            try await withThrowingTaskGroup(of: Link.self) { tasks in
                for index in start..<min(start + 100, receivers) {
                    tasks.addTask {
                        try await connect(index, group, false) { payload in
                            let latency: Double? = measuring.on
                                ? Self.sendTime(payload).map { Double(monotonicNanoseconds() &- $0) / 1e6 } : nil
                            recorder.delivered(latencyMs: latency)
                        }
                    }
                }
                for try await link in tasks { links.append(link) }
            }
        }
        let sender = try await connect(0, senderGroup, true) { _ in }
        try await Task.sleep(for: .seconds(1))
        recorder.reset()
        measuring.on = true
        let clock = ContinuousClock()
        let cpuBefore = cpu()
        let start = clock.now
        let total = Int(rate * seconds)
        for index in 0..<total {
            let due = start + .nanoseconds(Int64(Double(index) / rate * 1e9))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            sender.send()
        }
        let expected = total * receivers
        let settle = clock.now + .seconds(5)
        while recorder.deliveries < expected && clock.now < settle { try await Task.sleep(for: .milliseconds(10)) }
        let cpuSeconds = cpu() - cpuBefore
        measuring.on = false
        let latency = recorder.percentiles()
        let delivered = recorder.deliveries
        await sender.close()
        for link in links { await link.close() }
        try await group.shutdownGracefully()
        try await senderGroup.shutdownGracefully()
        try await Task.sleep(for: .seconds(1))
        return Trial(system: system, round: round, rate: rate, p50_ms: Measure.round(latency.p50), p99_ms: Measure.round(latency.p99),
                     deliveries: delivered, expected: expected, server_cpu_s: Measure.round(cpuSeconds),
                     deliveries_per_cpu_s: Measure.round(Double(delivered) / max(cpuSeconds, 0.001), 0))
    }

    private func summary(_ name: String, _ trials: [Trial]) -> Summary {
        func median(_ values: [Double]) -> Double { Measure.percentile(values.sorted(), 0.5) }
        let p99 = trials.map(\.p99_ms)
        return Summary(name: name, p50_ms: median(trials.map(\.p50_ms)), p99_ms: median(p99),
                       p99_range_ms: [p99.min() ?? 0, p99.max() ?? 0], deliveries_per_cpu_s: median(trials.map(\.deliveries_per_cpu_s)))
    }

    /// A message whose text starts with its send time, as `postFrame` makes for Causerie.
    static func text(size: Int) -> String {
        var text = "t=\(monotonicNanoseconds()) "
        while text.utf8.count < size { text += "lorem ipsum " }
        return String(text.prefix(size))
    }

    static let marker = Array("t=".utf8)

    /// The nanoseconds after the first "t=" of a payload.
    static func sendTime(_ bytes: [UInt8]) -> UInt64? {
        guard let start = Frames.find(marker, in: bytes) else { return nil }
        var value: UInt64 = 0
        var index = start + marker.count
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            value = value * 10 + UInt64(bytes[index] - 48)
            index += 1
        }
        return index > start + marker.count ? value : nil
    }
}

/// Distinct ids for the posts of one sender (a repeated clientId is, rightly, not posted twice).
final class PostCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// A flag set by the driver and read by the receivers' callbacks.
final class Switch: Sendable {
    private let value = Mutex(false)
    var on: Bool {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
