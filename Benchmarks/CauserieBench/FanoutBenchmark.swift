import Fixtures
import ArgumentParser
import Foundation
import Gateway
import CauserieClient
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One sender, many receivers in one room: deliveries per server CPU-second, then latency at half
/// the maximum rate.
struct FanoutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout", abstract: "1 sender → N clients in one room over real WebSockets.")

    @Option(help: "Receiving clients.") var receivers: Int = 1000
    @Option(help: "Messages posted in the throughput phase.") var messages: Int = 2000
    @Option(help: "Posts in flight at once in the throughput phase.") var window: Int = 64
    @Option(help: "Seconds of the latency phase.") var seconds: Double = 5
    @Option(help: "Posts/s of the latency phase (default: half the rate reached).") var latencyRate: Double?
    @Option(help: "Message text bytes.") var size: Int = 200
    @Option(help: "Parent directory for the store.") var directory: String?
    @Option(help: """
        Only write the benchmark's store to this directory (its users have known tokens: never serve \
        it to an office) and the server's configuration to DIRECTORY.json, print the command that \
        serves them, and exit. For a server on another machine than the generator.
        """)
    var prepare: String?
    @Option(help: "Drive a server already serving a --prepare'd store at HOST:PORT instead of starting one.")
    var connect: String?
    @Option(help: "With --connect, the server's process id when it runs on this machine (to count its CPU time).")
    var serverPid: Int32?
    @Option(help: "Compare with a peer from Debian, side by side in alternating rounds: inspircd (IRC) or mosquitto (MQTT).")
    var peer: String?
    @Option(help: "With --peer: the message rates to measure, comma-separated.") var rates: String = "20,50"
    @Option(help: "With --peer: rounds (each system at each rate once per round).") var rounds: Int = 3
    @Flag(help: "Over TLS (wss, the office authority), to compare with the plain figures.") var tls = false
    @Option(help: "With --connect --tls: the server's office authority (its data/tls/ca.crt), the only one trusted.")
    var ca: String?
    @Option(help: """
        With --connect --tls: the name its certificate is checked against (default: the host given, \
        unless it is an IP address: then the authority alone is checked, as TLS has no name to send).
        """)
    var serverName: String?

    struct Report: Encodable {
        var bench = "fanout"
        var receivers: Int
        /// Over wss (`--tls`).
        var tls: Bool
        var deliveries_per_s: Double
        /// Absent when the server's CPU time cannot be read (`--connect` to another machine).
        var deliveries_per_s_per_core: Double?
        var server_cpu_percent: Double?
        var latency_rate_posts_per_s: Double
        var p50_ms: Double
        var p99_ms: Double
        var latency_samples: Int
    }

    func run() async throws {
        if let peer {
            guard let kind = PeerServer.Kind(rawValue: peer) else { throw BenchError("--peer is inspircd or mosquitto") }
            let rates = self.rates.split(separator: ",").compactMap { Double($0) }
            guard !rates.isEmpty, rounds > 0 else { throw BenchError("--rates needs numbers, --rounds at least 1") }
            try await PeerFanout(peer: kind, receivers: receivers, rates: rates, rounds: rounds,
                                 seconds: seconds == 5 ? 20 : seconds, size: size, directory: directory).run()
            return
        }
        if let prepare {
            try writeStore(at: prepare)
            let config = try ServerProcess.writeConfiguration(for: prepare)
            print("causerie serve --data \(prepare) --config \(config) --host 0.0.0.0 --port 8080 --tls \(tls ? "office" : "off") --no-mdns --log-level warning")
            if tls { print("then: causerie-bench fanout --connect HOST:8080 --tls --ca \(prepare)/tls/ca.crt") }
            return
        }
        if let connect {
            var target = try Target(address: connect, serverPid: serverPid)
            if tls {
                guard let ca else { throw BenchError("--connect --tls needs --ca (the server's data/tls/ca.crt)") }
                // As a browser on another machine: that authority only, the name (or address) checked.
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.trustRoots = .file(ca)
                target.tls = try NIOSSLContext(configuration: configuration)
                let isAddress = target.host.contains(":") || target.host.split(separator: ".").allSatisfy { Int($0) != nil }
                target.serverName = serverName ?? (isAddress ? nil : target.host)
            }
            try await measure(target)
            return
        }
        let path = Measure.scratchDirectory("fanout", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeStore(at: path)
        let server = try ServerProcess(directory: path, tls: tls)
        defer { server.stop() }
        try await server.waitReady()
        var target = Target(host: "127.0.0.1", port: server.port, cpuSeconds: { server.cpuSeconds })
        if tls {
            // Trusting the office authority only, and checking the name, as a browser does.
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .file(server.authorityFile)
            target.tls = try NIOSSLContext(configuration: configuration)
        }
        try await measure(target)
    }

    /// A store with one room, "main", and `receivers + 1` users whose session tokens are known.
    private func writeStore(at path: String) throws {
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(receivers + 1, passwordHash: hash)
        try fixture.close()
    }

    /// The server driven: where it listens and how to read its CPU time (NaN when it cannot be).
    struct Target {
        var host: String
        var port: Int
        var cpuSeconds: () -> Double
        /// wss: the client context (`--tls`), and the name its certificate is checked against.
        var tls: NIOSSLContext?
        var serverName: String? = "localhost"

        init(host: String, port: Int, cpuSeconds: @escaping () -> Double) {
            self.host = host
            self.port = port
            self.cpuSeconds = cpuSeconds
        }

        /// `HOST:PORT` or `[IPv6]:PORT`.
        init(address: String, serverPid: Int32?) throws {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                throw BenchError("--connect takes HOST:PORT, got '\(address)'")
            }
            host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            self.port = port
            cpuSeconds = { serverPid.map { ServerProcess.cpuSeconds(of: $0) } ?? .nan }
        }
    }

    private func measure(_ target: Target) async throws {
        let port = target.port
        let host = target.host
        let tls = target.tls
        let serverName = target.serverName
        Measure.note("server at \(host):\(port); connecting \(receivers) clients…")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // The sender has its own thread: a post must not wait behind the receivers' reading of the
        // previous one (that would count the generator's delay as the server's latency).
        let senderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = Recorder()
        let measuring = Mutex(false)
        let clients = try await openConnections(count: receivers) { index in
            try await BenchConnection.open(host: host, port: port, token: Fixture.token(index + 1), group: group, tls: tls,
                                           serverName: serverName) { frame in
                guard Frames.contains(frame, Frames.posted) else { return }
                let latency: Double? = measuring.withLock { $0 }
                    ? Frames.sendTime(frame).map { Double(monotonicNanoseconds() - $0) / 1e6 } : nil
                recorder.delivered(latencyMs: latency)
            }
        }
        let window = AsyncWindow(size: self.window)
        let sender = try await BenchConnection.open(host: host, port: port, token: Fixture.token(0), group: senderGroup,
                                                    tls: tls, serverName: serverName) { frame in
            if Frames.contains(frame, Frames.ok) {
                window.release()
            } else if Frames.contains(frame, Frames.error) {
                recorder.failed()
                window.release()
            }
        }
        try await Task.sleep(for: .seconds(1))
        recorder.reset()

        // Throughput: as fast as the server takes posts, with a window of posts in flight.
        let clock = ContinuousClock()
        let cpuBefore = target.cpuSeconds()
        let start = clock.now
        for index in 0..<messages {
            await window.acquire()
            sender.send(postFrame(id: "t\(index)", room: "main", size: size))
        }
        let expected = messages * receivers
        let deadline = clock.now + .seconds(120)
        while recorder.deliveries < expected && clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let elapsed = Measure.seconds(clock.now - start)
        let cpu = target.cpuSeconds() - cpuBefore
        let delivered = recorder.deliveries
        Measure.note("throughput: \(delivered)/\(expected) deliveries in \(Measure.round(elapsed)) s, server CPU \(Measure.round(cpu)) s, errors \(recorder.errors)")

        // Latency at half the rate reached.
        let rate = latencyRate ?? Double(messages) / elapsed / 2
        recorder.reset()
        measuring.withLock { $0 = true }
        let total = Int(rate * seconds)
        let latencyStart = clock.now
        for index in 0..<total {
            let due = latencyStart + .nanoseconds(Int64(Double(index) / rate * 1e9))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            sender.send(postFrame(id: "l\(index)", room: "main", size: size))
        }
        let settle = clock.now + .seconds(10)
        while recorder.deliveries < total * receivers && clock.now < settle { try await Task.sleep(for: .milliseconds(10)) }
        let latency = recorder.percentiles()
        Measure.note("latency at \(Int(rate)) posts/s: p50 \(Measure.round(latency.p50)) ms, p99 \(Measure.round(latency.p99)) ms over \(latency.count) deliveries")
        for client in clients { await client.socket.close() }
        await sender.socket.close()
        try await group.shutdownGracefully()
        try await senderGroup.shutdownGracefully()
        try Measure.report(Report(
            receivers: receivers, tls: target.tls != nil, deliveries_per_s: Measure.round(Double(delivered) / elapsed, 0),
            deliveries_per_s_per_core: cpu.isNaN ? nil : Measure.round(Double(delivered) / max(cpu, 0.001), 0),
            server_cpu_percent: cpu.isNaN ? nil : Measure.round(cpu / elapsed * 100, 1),
            latency_rate_posts_per_s: Measure.round(rate, 1), p50_ms: Measure.round(latency.p50),
            p99_ms: Measure.round(latency.p99), latency_samples: latency.count))
    }
}

/// A counting semaphore for async code (posts in flight).
final class AsyncWindow: Sendable {
    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(size: Int) { state = Mutex((size, [])) }

    func acquire() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
