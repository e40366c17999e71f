import Fixtures
import ArgumentParser
import EventStore
import Foundation
import Gateway
import Logging
import Projections

/// Rebuilding every view from the log, as `causerie serve` does at start.
struct StartupBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup", abstract: "Time to rebuild all views from N events.")

    @Option(help: "Events in the log (mostly messages, with joins, edits, reads).") var events: Int = 1_000_000
    @Option(help: "Users.") var users: Int = 1000
    @Option(help: "Rooms (each user joins ten).") var rooms: Int = 100
    @Option(help: "Parent directory for the store.") var directory: String?
    @Option(help: "Rebuild from this existing data directory instead of writing one (kept).") var existing: String?
    @Flag(help: "Keep the data directory written (its path is printed).") var keep = false

    struct Report: Encodable {
        var bench = "startup"
        var events: Int
        var events_per_s: Double
        var seconds: Double
        var store_mb: Double
    }

    func run() async throws {
        if let existing {
            try await measure(existing, events: nil, stored: 0)
            return
        }
        let path = Measure.scratchDirectory("startup", under: directory)
        defer { if !keep { try? FileManager.default.removeItem(atPath: path) } else { Measure.note("kept \(path)") } }
        Measure.note("writing \(events) events…")
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(users, passwordHash: hash)
        for room in 0..<rooms {
            try fixture.run(CreateRoom(room: RoomID("r\(room)"), name: "Room \(room)", visibility: .public), by: Fixture.user(room % users))
        }
        for user in 0..<users {
            for offset in 1...10 {
                let room = RoomID("r\((user + offset * 7) % rooms)")
                try fixture.run(JoinRoom(room: room), by: Fixture.user(user))
            }
        }
        try fixture.flushSync()
        // Messages, written directly (deciding ten million posts would measure the fixture).
        var remaining = events - Int(fixture.state.position)
        var index = 0
        var batch: [NewEvent] = []
        while remaining > 0 {
            let user = index % users
            let room = "r\((user + (index % 10 + 1) * 7) % rooms)"
            let event: DomainEvent
            if index % 50 == 49 {
                event = .messageEdited(.init(message: UInt64(fixture.state.position) + UInt64(index / 2), text: "edited \(index)", mentions: []))
            } else {
                event = .messagePosted(.init(clientID: "c\(index)", text: Measure.payloadText(index), replyTo: nil,
                                             mentions: index % 20 == 0 ? [Fixture.user((user + 1) % users)] : []))
            }
            batch.append(NewEvent(stream: Streams.room(RoomID(room)), type: event.tag, actor: Fixture.user(user).rawValue,
                                  payload: event.encodedPayload()))
            if batch.count == 5000 {
                try await fixture.store.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
            remaining -= 1
            index += 1
        }
        if !batch.isEmpty { try await fixture.store.append(batch) }
        let stored = Double(fixture.store.storedBytes()) / 1_048_576
        try fixture.close()
        try await measure(path, events: events, stored: stored)
    }

    private func measure(_ path: String, events: Int?, stored: Double) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let clock = ContinuousClock()
        let start = clock.now
        let server = try await ChatServer.open(
            ServerConfiguration(dataDirectory: path, passwords: .testing, initialMapSize: 16 << 30), logger: logger)
        let seconds = Measure.seconds(clock.now - start)
        let events = try events ?? Int(server.store.currentHead().position)
        server.close()
        Measure.note("rebuilt \(events) events in \(Measure.round(seconds)) s")
        try Measure.report(Report(events: events, events_per_s: Measure.round(Double(events) / seconds, 0),
                                  seconds: Measure.round(seconds), store_mb: Measure.round(stored, 1)))
    }
}
