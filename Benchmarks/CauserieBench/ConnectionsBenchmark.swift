import Fixtures
import ArgumentParser
import Foundation
import Gateway
import CauserieClient
import NIOCore
import NIOPosix
import NIOSSL

/// Idle WebSocket clients held by the server: its resident memory per connection.
struct ConnectionsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections", abstract: "Hold N idle WebSocket clients; server memory per connection.")

    @Option(help: "Connections to open (each process here may hold about 20,000 files: see docs/benchmarks.md).")
    var connections: Int = 19_000
    @Option(help: "Users the connections log in as (round robin).") var users: Int = 100
    @Option(help: "Source addresses 127.0.0.1 … 127.0.0.N to spread connections over.") var addresses: Int = 4
    @Option(help: "Parent directory for the store.") var directory: String?
    @Option(help: """
        Rounds of closing every connection and opening them again after the measurement, the server's \
        memory read after each close: it must not grow from round to round (a leak per connection).
        """)
    var rounds: Int = 0
    @Flag(help: "Over TLS (wss, the office authority): each connection also holds its TLS state.") var tls = false

    struct Report: Encodable {
        var bench = "connections"
        var connections: Int
        var tls: Bool
        var bytes_per_connection: Double
        var server_rss_before_mb: Double
        var server_rss_after_mb: Double
        var open_seconds: Double
        /// The server's anonymous resident memory (heap, stacks: not the log's map, which grows with
        /// the log) after each round's close (`--rounds`).
        var anonymous_after_close_mb: [Double]?
    }

    func run() async throws {
        let path = Measure.scratchDirectory("connections", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(users, passwordHash: hash)
        try fixture.close()
        let server = try ServerProcess(directory: path, tls: tls)
        defer { server.stop() }
        try await server.waitReady()
        let port = server.port
        var context: NIOSSLContext?
        if tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .file(server.authorityFile)
            context = try NIOSSLContext(configuration: configuration)
        }
        let client = context
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Warm up: every user online once (presence), then measure from there.
        var warm: [BenchConnection] = []
        for user in 0..<users {
            warm.append(try await BenchConnection.open(port: port, token: Fixture.token(user), group: group, tls: client) { _ in })
        }
        try await Task.sleep(for: .seconds(2))
        let before = server.residentBytes
        let clock = ContinuousClock()
        let start = clock.now
        let count = connections
        let userCount = users
        let addressCount = addresses
        let open = { @Sendable () async throws -> [BenchConnection] in
            try await openConnections(count: count, concurrency: 256) { index in
                try await BenchConnection.open(
                    port: port, token: Fixture.token(index % userCount), localAddress: "127.0.0.\(1 + index % addressCount)",
                    group: group, tls: client) { _ in }
            }
        }
        var held = try await open()
        let opening = Measure.seconds(clock.now - start)
        try await Task.sleep(for: .seconds(3))
        let after = server.residentBytes
        Measure.note("\(held.count) connections in \(Measure.round(opening, 1)) s; server RSS \(before >> 20) → \(after >> 20) MiB")
        var afterClose: [Double] = []
        for round in 0..<rounds {
            for connection in held { await connection.socket.close() }
            try await Task.sleep(for: .seconds(3))
            afterClose.append(Measure.round(Double(server.anonymousBytes) / 1_048_576, 1))
            Measure.note("round \(round + 1): all closed, server anonymous memory \(afterClose.last!) MiB, "
                + "RSS \(Measure.round(Double(server.residentBytes) / 1_048_576, 1)) MiB")
            held = try await open()
        }
        for connection in held + warm { await connection.socket.close() }
        try await group.shutdownGracefully()
        try Measure.report(Report(
            connections: held.count, tls: tls, bytes_per_connection: Measure.round(Double(after - before) / Double(held.count), 0),
            server_rss_before_mb: Measure.round(Double(before) / 1_048_576, 1),
            server_rss_after_mb: Measure.round(Double(after) / 1_048_576, 1), open_seconds: Measure.round(opening, 1),
            anonymous_after_close_mb: rounds > 0 ? afterClose : nil))
    }
}
