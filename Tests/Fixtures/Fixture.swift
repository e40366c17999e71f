import EventStore
import Foundation
import Gateway
import Logging
import Projections

/// Writes a server's history straight into a store, without the network: users with known
/// session tokens, rooms, memberships, filters. Commands are decided against a local copy of the
/// views, exactly as the server would, and appended in large batches.
final class Fixture {
    let store: LMDBEventStore
    private(set) var state = ChatState()
    private var buffer: [NewEvent] = []
    private var pending: [StoredEvent] = []
    private var now = Timestamp.now().microseconds
    let administrator = UserID("uadmin")

    init(directory: String) throws {
        var logger = Logger(label: "fixture")
        logger.logLevel = .warning
        store = try LMDBEventStore(.init(directory: directory, initialMapSize: 4 << 30), logger: logger)
    }

    /// The token of bench user `index`, and its user id.
    static func token(_ index: Int) -> String { "bench-token-\(index)" }
    static func user(_ index: Int) -> UserID { UserID("u\(index)") }

    func run(_ command: some Command, by actor: UserID) throws {
        let decision = try command.decide(by: actor, in: state, now: now)
        for event in decision.events {
            now += 1
            let position = state.position + 1 + UInt64(pending.count)
            let stored = StoredEvent(position: position, timestamp: now, stream: event.stream, actor: actor, event: event.event)
            state.apply(stored)
            buffer.append(NewEvent(stream: event.stream, type: event.event.tag, schemaVersion: event.event.version,
                                   actor: actor.rawValue, payload: event.event.encodedPayload()))
        }
        if buffer.count >= 5000 { try flushSync() }
    }

    /// Initialises the server and makes the administrator usable, with a high flood limit.
    func initialize(passwordHash: String) throws {
        try run(InitializeServer(serverName: "Bench", administrator: administrator, username: "admin",
                                 passwordHash: passwordHash), by: .system)
        try run(ChangePassword(user: administrator, passwordHash: passwordHash, reason: .byUser), by: administrator)
        try run(ChangeFilters(.flood(FloodLimit(burst: 10_000, perMinute: 100_000))), by: administrator)
    }

    /// Registers users 0..<count, each with a session token.
    func addUsers(_ count: Int, passwordHash: String) throws {
        for index in 0..<count {
            let user = Self.user(index)
            try run(RegisterUser(user: user, username: "user\(index)", displayName: "User \(index)", email: "", passwordHash: passwordHash,
                                 recovery: nil, groups: [.users], selfRegistration: false), by: administrator)
            try run(StartSession(tokenHash: SecureRandom.tokenHash(Self.token(index)), address: "127.0.0.1"), by: user)
        }
    }

    func flushSync() throws {
        let events = buffer
        buffer.removeAll(keepingCapacity: true)
        guard !events.isEmpty else { return }
        let semaphore = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let store = self.store
        Task {
            do {
                var start = 0
                while start < events.count {
                    let end = min(start + 5000, events.count)
                    try await store.append(Array(events[start..<end]))
                    start = end
                }
            } catch {
                failure.error = error
            }
            semaphore.signal()
        }
        semaphore.wait()
        if let error = failure.error { throw error }
    }

    func close() throws {
        try flushSync()
        store.close()
    }
}

final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}
