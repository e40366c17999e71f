import Fixtures
import ArgumentParser
import Foundation
import Gateway
import CauserieClient
import NIOCore
import NIOPosix
import Projections
import Synchronization

/// Many users in many small rooms, everyone posting now and then: posts/s and post-to-delivery
/// latency, each post durably logged before it is delivered.
struct MixBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mix", abstract: "N connected users in rooms of 10, posting at a target rate.")

    @Option(help: "Connected users.") var users: Int = 10_000
    @Option(help: "Members per room.") var roomSize: Int = 10
    @Option(help: "Target posts per second (all users together).") var rate: Double = 5000
    @Option(help: "Seconds measured.") var seconds: Double = 10
    @Option(help: "Message text bytes.") var size: Int = 200
    @Option(help: "Parent directory for the store.") var directory: String?

    struct Report: Encodable {
        var bench = "mix"
        var users: Int
        var rooms: Int
        var target_posts_per_s: Double
        var posts_per_s: Double
        var deliveries_per_s: Double
        var p50_ms: Double
        var p99_ms: Double
        var errors: Int
        var server_cpu_percent: Double
    }

    func run() async throws {
        let path = Measure.scratchDirectory("mix", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rooms = users / roomSize
        Measure.note("writing \(users) users and \(rooms) rooms…")
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(users, passwordHash: hash)
        for room in 0..<rooms {
            let id = RoomID("r\(room)")
            try fixture.run(CreateRoom(room: id, name: "Room \(room)", visibility: .public), by: Fixture.user(room * roomSize))
            for member in 1..<roomSize { try fixture.run(JoinRoom(room: id), by: Fixture.user(room * roomSize + member)) }
        }
        try fixture.close()
        let server = try ServerProcess(directory: path)
        defer { server.stop() }
        try await server.waitReady()
        let port = server.port
        Measure.note("server up; connecting \(users) clients…")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = Recorder()
        let clients = try await openConnections(count: users) { index in
            try await BenchConnection.open(port: port, token: Fixture.token(index), group: group) { frame in
                if Frames.contains(frame, Frames.posted) {
                    let latency = Frames.sendTime(frame).map { Double(monotonicNanoseconds() - $0) / 1e6 }
                    recorder.delivered(latencyMs: latency)
                } else if Frames.contains(frame, Frames.ok) {
                    recorder.acked()
                } else if Frames.contains(frame, Frames.error) {
                    recorder.failed()
                }
            }
        }
        try await Task.sleep(for: .seconds(2))
        recorder.reset()
        Measure.note("posting at \(Int(rate))/s for \(seconds) s…")
        let clock = ContinuousClock()
        let cpuBefore = server.cpuSeconds
        let start = clock.now
        let total = Int(rate * seconds)
        var generator = SystemRandomNumberGenerator()
        for index in 0..<total {
            // Sleeps only when the next post is due 1 ms or more from now: at 5,000/s, a timer per
            // post would cost the generator more than the posting (each post is still stamped
            // when it is sent, so latencies stay true).
            let due = start + .nanoseconds(Int64(Double(index) / rate * 1e9))
            if due > clock.now + .milliseconds(1) { try await Task.sleep(until: due, clock: clock) }
            let user = Int(generator.next(upperBound: UInt64(rooms * roomSize)))
            clients[user].send(postFrame(id: "m\(index)", room: "r\(user / roomSize)", size: size))
        }
        let sendEnd = clock.now
        let expected = total * (roomSize - 1)
        let settle = clock.now + .seconds(15)
        while (recorder.acks + recorder.errors < total || recorder.deliveries < expected) && clock.now < settle {
            try await Task.sleep(for: .milliseconds(10))
        }
        let elapsed = Measure.seconds(clock.now - start)
        let cpu = server.cpuSeconds - cpuBefore
        let latency = recorder.percentiles()
        let posts = Double(recorder.acks) / max(elapsed, Measure.seconds(sendEnd - start))
        Measure.note("acked \(recorder.acks)/\(total) (errors \(recorder.errors)), deliveries \(recorder.deliveries)/\(expected), "
            + "p50 \(Measure.round(latency.p50)) ms, p99 \(Measure.round(latency.p99)) ms, server CPU \(Measure.round(cpu)) s")
        for client in clients { await client.socket.close() }
        try await group.shutdownGracefully()
        try Measure.report(Report(
            users: users, rooms: rooms, target_posts_per_s: rate, posts_per_s: Measure.round(posts, 0),
            deliveries_per_s: Measure.round(Double(recorder.deliveries) / elapsed, 0), p50_ms: Measure.round(latency.p50),
            p99_ms: Measure.round(latency.p99), errors: recorder.errors, server_cpu_percent: Measure.round(cpu / elapsed * 100, 1)))
    }
}
