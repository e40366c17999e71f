import Fixtures
import ArgumentParser
import Foundation
import Gateway
import CauserieClient
import NIOCore
import NIOPosix
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

    struct Report: Encodable {
        var bench = "fanout"
        var receivers: Int
        var deliveries_per_s: Double
        var deliveries_per_s_per_core: Double
        var server_cpu_percent: Double
        var latency_rate_posts_per_s: Double
        var p50_ms: Double
        var p99_ms: Double
        var latency_samples: Int
    }

    func run() async throws {
        let path = Measure.scratchDirectory("fanout", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(receivers + 1, passwordHash: hash)
        try fixture.close()
        let server = try ServerProcess(directory: path)
        defer { server.stop() }
        try await server.waitReady()
        let port = server.port
        Measure.note("server up on port \(server.port); connecting \(receivers) clients…")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // The sender has its own thread: a post must not wait behind the receivers' reading of the
        // previous one (that would count the generator's delay as the server's latency).
        let senderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = Recorder()
        let measuring = Mutex(false)
        let clients = try await openConnections(count: receivers) { index in
            try await BenchConnection.open(port: port, token: Fixture.token(index + 1), group: group) { frame in
                guard Frames.contains(frame, "\"kind\":\"message.posted\"") else { return }
                let latency: Double? = measuring.withLock { $0 }
                    ? Frames.sendTime(frame).map { Double(monotonicNanoseconds() - $0) / 1e6 } : nil
                recorder.delivered(latencyMs: latency)
            }
        }
        let window = AsyncWindow(size: self.window)
        let sender = try await BenchConnection.open(port: port, token: Fixture.token(0), group: senderGroup) { frame in
            if Frames.contains(frame, "\"type\":\"ok\"") {
                window.release()
            } else if Frames.contains(frame, "\"type\":\"error\"") {
                recorder.failed()
                window.release()
            }
        }
        try await Task.sleep(for: .seconds(1))
        recorder.reset()

        // Throughput: as fast as the server takes posts, with a window of posts in flight.
        let clock = ContinuousClock()
        let cpuBefore = server.cpuSeconds
        let start = clock.now
        for index in 0..<messages {
            await window.acquire()
            sender.send(postFrame(id: "t\(index)", room: "main", size: size))
        }
        let expected = messages * receivers
        let deadline = clock.now + .seconds(120)
        while recorder.deliveries < expected && clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let elapsed = Measure.seconds(clock.now - start)
        let cpu = server.cpuSeconds - cpuBefore
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
            receivers: receivers, deliveries_per_s: Measure.round(Double(delivered) / elapsed, 0),
            deliveries_per_s_per_core: Measure.round(Double(delivered) / max(cpu, 0.001), 0),
            server_cpu_percent: Measure.round(cpu / elapsed * 100, 1),
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
