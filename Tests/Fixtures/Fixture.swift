public import EventStore
import Foundation
import Gateway
import Logging
public import Projections

/// Writes a server's history straight into a store, without the network: users with known
/// session tokens, rooms, memberships, filters, messages. Commands are decided against a local
/// copy of the views, exactly as the server would, and appended in batches. Used by the tests
/// of the operations and by the benchmarks.
public final class Fixture {
    public let store: LMDBEventStore
    public private(set) var state = ChatState()
    private var buffer: [NewEvent] = []
    public let administrator = UserID("uadmin")
    /// The time decisions are made at (µs); `at(_:)` moves it.
    public private(set) var now = Timestamp.now().microseconds

    /// A fixture on a new store in `directory`; `clock` stamps records (tests set dates with it).
    public init(directory: String, clock: (@Sendable () -> Timestamp)? = nil) throws {
        var logger = Logger(label: "fixture")
        logger.logLevel = .warning
        var configuration = LMDBEventStore.Configuration(directory: directory, initialMapSize: 1 << 28)
        if let clock { configuration.clock = clock }
        store = try LMDBEventStore(configuration, logger: logger)
        state = ChatState()
    }

    /// The token of user `index`, and its user id.
    public static func token(_ index: Int) -> String { "bench-token-\(index)" }
    public static func user(_ index: Int) -> UserID { UserID("u\(index)") }

    /// Decides `command` as the server would and queues its events; returns their positions.
    @discardableResult
    public func run(_ command: some Command, by actor: UserID) throws -> [UInt64] {
        let decision = try command.decide(by: actor, in: state, now: now)
        var positions: [UInt64] = []
        for event in decision.events {
            now += 1
            let position = state.position + 1
            let stored = StoredEvent(position: position, timestamp: now, stream: event.stream, actor: actor, event: event.event)
            state.apply(stored)
            positions.append(position)
            buffer.append(NewEvent(stream: event.stream, type: event.event.tag, schemaVersion: event.event.version,
                                   actor: actor.rawValue, payload: event.event.encodedPayload()))
        }
        if buffer.count >= 5000 { try flushSync() }
        return positions
    }

    /// Sets the decision time (µs since the epoch).
    public func at(_ microseconds: Int64) { now = microseconds }

    /// Initialises the server and makes the administrator usable, with a high flood limit.
    public func initialize(passwordHash: String) throws {
        try run(InitializeServer(serverName: "Bench", administrator: administrator, username: "admin",
                                 passwordHash: passwordHash), by: .system)
        try run(ChangePassword(user: administrator, passwordHash: passwordHash, reason: .byUser), by: administrator)
        try run(ChangeFilters(.flood(FloodLimit(burst: 10_000, perMinute: 100_000))), by: administrator)
    }

    /// Registers users 0..<count, each with a session token.
    public func addUsers(_ count: Int, passwordHash: String) throws {
        for index in 0..<count {
            let user = Self.user(index)
            try run(RegisterUser(user: user, username: "user\(index)", displayName: "User \(index)", email: "", passwordHash: passwordHash,
                                 recovery: nil, groups: [.users], selfRegistration: false), by: administrator)
            try run(StartSession(tokenHash: SecureRandom.tokenHash(Self.token(index)), address: "127.0.0.1"), by: user)
        }
    }

    /// Appends what is queued (in order, in batches) and waits for it.
    public func flushSync() throws {
        let events = buffer
        buffer.removeAll(keepingCapacity: true)
        var start = 0
        while start < events.count {
            let end = min(start + 5000, events.count)
            try store.appendBlocking(Array(events[start..<end]))
            start = end
        }
    }

    public func close() throws {
        try flushSync()
        store.close()
    }
}


extension Fixture {
    /// Registers a user with a chosen name.
    @discardableResult
    /// By an administrator, or by the person themself (`selfRegistration`, where the server allows it).
    public func register(_ name: String, id: UserID? = nil, selfRegistration: Bool = false) throws -> UserID {
        let user = id ?? UserID("u" + name)
        // Self-registration requires a secret question (for password recovery).
        let recovery = selfRegistration ? RecoveryQuestion(question: "First pet?", answerHash: "x") : nil
        try run(RegisterUser(user: user, username: name, displayName: name.capitalized, email: "", passwordHash: "x",
                             recovery: recovery, groups: [.users], selfRegistration: selfRegistration),
                by: selfRegistration ? user : administrator)
        return user
    }
}
