import Foundation
import Projections
import Testing

/// The domain's test shape: given a history, when a command is decided, then these events
/// (or this rejection). No sockets, no disk.
struct Given {
    private(set) var state = ChatState()
    private(set) var now: Int64 = 1_700_000_000_000_000
    /// Every event applied, as the log would hold them.
    private(set) var history: [StoredEvent] = []

    /// A server initialised by `admin` (password already changed) with `users` registered.
    static func server(admin: String = "admin", users: [String] = []) -> Given {
        var given = Given()
        given.run(InitializeServer(serverName: "Office", administrator: UserID(admin), username: admin, passwordHash: "h"),
                  by: .system)
        given.run(ChangePassword(user: UserID(admin), passwordHash: "h2", reason: .byUser), by: UserID(admin))
        for user in users { given.register(user) }
        return given
    }

    mutating func register(_ name: String) {
        run(RegisterUser(user: UserID(name), username: name, displayName: name.capitalized, email: "\(name)@office.lan",
                         passwordHash: "h", recovery: RecoveryQuestion(question: "Pet?", answerHash: "a"),
                         selfRegistration: true), by: UserID(name))
    }

    /// Decides and applies a command that must succeed; returns the positions of its events.
    @discardableResult
    mutating func run(_ command: some Command, by actor: UserID, sourceLocation: SourceLocation = #_sourceLocation)
        -> [UInt64]
    {
        do {
            let decision = try command.decide(by: actor, in: state, now: now)
            return apply(decision.events, by: actor)
        } catch {
            Issue.record("setup command \(command) was refused: \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    /// Applies events as if the log had recorded them.
    @discardableResult
    mutating func apply(_ events: [PendingEvent], by actor: UserID) -> [UInt64] {
        var positions: [UInt64] = []
        for pending in events {
            let position = state.position + 1
            now += 1_000
            let stored = StoredEvent(position: position, timestamp: now, stream: pending.stream, actor: actor, event: pending.event)
            state.apply(stored)
            history.append(stored)
            positions.append(position)
        }
        return positions
    }

    mutating func advance(seconds: Int64) { now += seconds * 1_000_000 }

    func when(_ command: some Command, by actor: UserID) -> Outcome {
        Outcome(result: Result { () throws(Rejection) in try command.decide(by: actor, in: state, now: now) })
    }
}

struct Outcome {
    let result: Result<Decision, Rejection>

    var decision: Decision? { try? result.get() }
    var events: [DomainEvent] { decision?.events.map(\.event) ?? [] }

    func then(_ expected: [DomainEvent], sourceLocation: SourceLocation = #_sourceLocation) {
        switch result {
        case .success(let decision): #expect(decision.events.map(\.event) == expected, sourceLocation: sourceLocation)
        case .failure(let rejection): Issue.record("rejected: \(rejection)", sourceLocation: sourceLocation)
        }
    }

    func thenRejected(_ code: Rejection.Code, _ reason: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        switch result {
        case .success(let decision): Issue.record("accepted: \(decision.events)", sourceLocation: sourceLocation)
        case .failure(let rejection):
            #expect(rejection.code == code, sourceLocation: sourceLocation)
            if let reason { #expect(rejection.reason == reason, sourceLocation: sourceLocation) }
        }
    }
}

