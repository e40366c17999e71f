import ArgumentParser
import CauserieClient
import COpus
import Fixtures
import Foundation
import Gateway
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import NIOPosix
import Projections
import Synchronization

/// Group voice (issue 16, docs/calls.md): one room's voice with `listeners` silent participants
/// and `speakers` sending real Opus packets (a tone each, 48 kHz mono, 20 ms, 32 kbit/s) over
/// loopback WebSockets, as browsers do. Measured over `seconds` after a warm-up: the server's CPU
/// (per listener, and in all), how late its 20 ms ticks started (p99, from /metrics), and the
/// listeners' underruns (a gap of more than 60 ms between two packets, or packets that never came).
/// The generator shares the machine's cores with the server.
struct VoiceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voice", abstract: "Group voice: listeners and speakers one server sustains, tick lateness, underruns.")

    @Option(help: "Silent participants (they receive the shared mix).") var listeners: Int = 1_000
    @Option(help: "Participants sending a tone (each receives the mix without itself).") var speakers: Int = 5
    @Option(help: "Seconds measured (after a 3 s warm-up).") var seconds: Double = 20
    @Option(help: "Parent directory for the store.") var directory: String?

    struct Report: Encodable {
        var bench = "voice"
        var listeners: Int
        var speakers: Int
        var cpu_per_listener_us: Double
        var tick_p99_late_ms: Double
        var ratio_to_janus: Double?
        var server_cpu_percent: Double
        var listeners_per_core: Double
        var packets_expected: Int
        var packets_received: Int
        var packets_missing: Int
        /// Gaps of more than 60 ms between two packets at one listener.
        var underruns: Int
        var listeners_with_underruns: Int
    }

    /// Each listener's arrivals: packets, and gaps over 60 ms while measuring.
    final class Ears: Sendable {
        struct Listener { var packets = 0; var last: UInt64 = 0; var gaps = 0 }
        let state: Mutex<[Listener]>
        let measuring = Atomic<Bool>(false)

        init(_ count: Int) { state = Mutex([Listener](repeating: Listener(), count: count)) }

        func heard(_ index: Int) {
            let now = DispatchTime.now().uptimeNanoseconds
            let on = measuring.load(ordering: .relaxed)
            state.withLock { all in
                if on {
                    all[index].packets += 1
                    if all[index].last > 0 && now - all[index].last > 60_000_000 { all[index].gaps += 1 }
                }
                all[index].last = now
            }
        }
    }

    func run() async throws {
        let path = Measure.scratchDirectory("voice", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let people = listeners + speakers
        Measure.note("writing \(people) users…")
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(people, passwordHash: hash)
        try fixture.close()

        let server = try ServerProcess(directory: path, configuration: ["limits": [
            "connectionsPerAddress": 1_000_000, "outboxFrames": 4096]])
        defer { server.stop() }
        try await server.waitReady(timeout: 600)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let ears = Ears(listeners)
        Measure.note("\(people) connections joining the voice…")
        let listenerCount = listeners
        let port = server.port
        let connections = try await openConnections(count: people) { index in
            try await Self.connect(index, port: port, group: group, ears: index < listenerCount ? ears : nil)
        }
        for connection in connections { connection.socket.send(#"{"type":"voiceJoin","id":"v","room":"main"}"#) }
        let seated = try await waitSeated(port: server.port, count: people)
        guard seated == people else { throw BenchError("\(seated) of \(people) in the voice") }

        let packets = try (0..<speakers).map { try Self.tonePackets(hertz: 300 + 170 * Double($0)) }
        let talkers = Array(connections[listeners...])
        let sending = Task {
            let clock = ContinuousClock()
            let start = clock.now
            var tick = 0
            while !Task.isCancelled {
                for (index, talker) in talkers.enumerated() {
                    let sequence = UInt16(truncatingIfNeeded: tick)
                    talker.socket.sendFrame(opcode: 0x2, payload: [0x01, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
                                            + packets[index][tick % packets[index].count])
                }
                tick += 1
                try? await clock.sleep(until: start + .milliseconds(20 * tick))
            }
        }
        try await Task.sleep(for: .seconds(3))
        Measure.note("measuring \(seconds) s…")
        ears.measuring.store(true, ordering: .relaxed)
        let cpuBefore = server.cpuSeconds
        let began = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))
        let cpu = server.cpuSeconds - cpuBefore
        let elapsed = Measure.seconds(ContinuousClock.now - began)
        ears.measuring.store(false, ordering: .relaxed)
        let late = try await metric(port: server.port, "causerie_voice_tick_late_p99_seconds")
        sending.cancel()
        for connection in connections { await connection.socket.close() }
        try? await group.shutdownGracefully()

        let heard = ears.state.withLock { $0 }
        let expected = Int(elapsed * 50) * listeners
        let received = heard.reduce(0) { $0 + $1.packets }
        let missing = max(0, expected - received)
        let gaps = heard.reduce(0) { $0 + $1.gaps }
        let cpuPerListener = cpu / elapsed * 1e6 / Double(max(1, listeners))
        Measure.note("server CPU \(Measure.round(cpu / elapsed * 100, 1)) % of a core; \(received) of \(expected) packets; gaps \(gaps)")
        try Measure.report(Report(
            listeners: listeners, speakers: speakers, cpu_per_listener_us: Measure.round(cpuPerListener, 2),
            tick_p99_late_ms: Measure.round(late * 1000, 3), ratio_to_janus: nil,
            server_cpu_percent: Measure.round(cpu / elapsed * 100, 1), listeners_per_core: Measure.round(1e6 / cpuPerListener, 0),
            packets_expected: expected, packets_received: received, packets_missing: missing, underruns: gaps,
            listeners_with_underruns: heard.filter { $0.gaps > 0 || $0.packets < Int(elapsed * 50) - 1 }.count))
    }

    /// Participant `index`'s connection; a listener counts what it hears.
    static func connect(_ index: Int, port: Int, group: MultiThreadedEventLoopGroup, ears: Ears?) async throws -> BenchConnection {
        let heard: (@Sendable ([UInt8]) -> Void)?
        if let ears { heard = { _ in ears.heard(index) } } else { heard = nil }
        return try await BenchConnection.open(port: port, token: Fixture.token(index), group: group, onBinary: heard, onFrame: { _ in })
    }

    /// One second of a tone as Opus packets (looped by the sender).
    static func tonePackets(hertz: Double) throws -> [[UInt8]] {
        var error: Int32 = 0
        guard let encoder = opus_encoder_create(48_000, 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else {
            throw BenchError("opus encoder: \(error)")
        }
        defer { opus_encoder_destroy(encoder) }
        _ = causerie_opus_set_bitrate(encoder, 32_000)
        return (0..<50).map { frame in
            let samples = (0..<960).map { index in
                Float(0.3 * sin(2 * .pi * hertz * Double(frame * 960 + index) / 48_000))
            }
            var packet = [UInt8](repeating: 0, count: 1_275)
            let length = samples.withUnsafeBufferPointer { opus_encode_float(encoder, $0.baseAddress!, 960, &packet, 1_275) }
            return Array(packet.prefix(Int(max(0, length))))
        }
    }

    /// Waits until /metrics counts `count` participants in voice (or 60 s); the count seen.
    private func waitSeated(port: Int, count: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var seen = 0
        while ContinuousClock.now < deadline {
            seen = Int(try await metric(port: port, "causerie_voice_participants"))
            if seen >= count { return seen }
            try await Task.sleep(for: .milliseconds(250))
        }
        return seen
    }

    private func metric(port: Int, _ name: String) async throws -> Double {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}
