import EventStore
import Foundation
import Logging
import Operations
import NIOCore
import Projections
import Synchronization

/// The chat's heart: the views folded from the log, the commands that change them, and the
/// routing of every committed event to the connections entitled to it.
///
///     command ──decide──▶ events ──append──▶ log ──apply──▶ state ──deliver──▶ connections
///
/// `execute` decides under the state's lock (microseconds), appends outside it, then waits until
/// the dispatcher has applied its events, so that a client's next command sees its effects.
public final class ChatCore: Sendable {
    /// The log, through its protocol only: another backend changes nothing here (ADR 001).
    let store: any EventLog
    let configuration: ServerConfiguration
    let logger: Logger
    let passwords: PasswordHasher
    let registry: ConnectionRegistry
    /// `GET /metrics` (Metrics/ServerMetrics.swift).
    let metrics = ServerMetrics()
    let flood = FloodControl()
    /// Searches' own budget (SearchService.rate): searching does not spend a user's posts.
    let searchFlood = FloodControl()
    let logins: LoginThrottle
    let horizon = RetentionHorizon()
    /// The search index: a projection on disk, kept by `SearchIndexer` (Search/).
    let search: SearchIndex
    /// Group voice: seats, packets and the mixing clock (Calls/).
    let voice = VoiceHub()
    /// One-to-one calls ringing or going on (Calls/).
    let calls = CallHub()
    /// Sessions whose `SessionRefreshed` is on its way (one at a time per session).
    let refreshing = Mutex(Set<String>())
    /// The last position each user's own commands appended: a search waits for the index to hold
    /// what the searcher wrote (read-your-writes), not for everyone else's latest message.
    let lastWrites = Mutex([UserID: UInt64]())
    /// The views' position a moment ago (0.1–0.2 s; `SearchService.settled`): what has been on
    /// screens for that long, a search waits for.
    let settledPositions = Mutex((older: UInt64(0), newer: UInt64(0)))
    private let state: Mutex<ChatState>
    private let applied: AppliedPosition
    /// SHA-256 of (server password hash, password) pairs already verified, to spare scrypt.
    let verifiedServerPasswords = Mutex(Set<String>())
    /// A hash to check wrong passwords of unknown names against (same cost as a real one).
    let decoyHash: String

    /// What a first start created: the administrator's name and one-time password, to print once.
    public struct FirstStart: Sendable {
        public var username: String
        public var password: String
    }

    init(store: any EventLog, configuration: ServerConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        passwords = PasswordHasher(parameters: configuration.passwords)
        registry = ConnectionRegistry()
        logins = LoginThrottle(
            perAccount: configuration.limits.loginFailuresPerAccount,
            perAddress: configuration.limits.loginFailuresPerAddress)
        state = Mutex(ChatState())
        applied = AppliedPosition()
        search = SearchIndex(directory: configuration.dataDirectory + "/search")
        decoyHash = PasswordHasher.hashNow(SecureRandom.readable(12), parameters: configuration.passwords)
        voice.announce { [weak self] room, frame in self?.announceVoice(room, frame) }
    }

    // MARK: Reading the state

    /// Runs `body` on the current state, under its lock: keep it short and do no IO in it.
    func withState<T>(_ body: (borrowing ChatState) throws -> T) rethrows -> T {
        try state.withLock { try body($0) }
    }


    var position: UInt64 { state.withLock { $0.position } }

    /// Returns once the views hold `position` (or at once if the task is cancelled).
    func waitUntilApplied(_ position: UInt64) async {
        await applied.wait(for: position)
    }

    // MARK: Start-up

    /// Folds the whole log into the views; returns how many events and how long it took.
    ///
    /// Two tasks: one reads and decodes the log in chunks, this one applies them (applying must
    /// follow log order; decoding need not wait for it). At most a few chunks wait between them.
    func rebuild() async throws -> (events: UInt64, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let chunks = ChunkChannel(capacity: 8)
        let store = self.store
        let producer = Task {
            do {
                var next: UInt64 = 1
                while true {
                    let records = try await store.read(from: next, limit: 2048)
                    guard let last = records.last else { break }
                    await chunks.send(.events(try records.map(Self.decode)))
                    next = last.position + 1
                }
                await chunks.send(.end)
            } catch {
                await chunks.send(.failed(error))
            }
        }
        defer { producer.cancel() }
        var count: UInt64 = 0
        state.withLock { $0.beginReplay() }
        while true {
            switch await chunks.receive() {
            case .events(let events):
                state.withLock { state in
                    for event in events { state.apply(event) }
                }
                count += UInt64(events.count)
            case .end:
                state.withLock { $0.finishReplay() }
                let elapsed = clock.now - start
                applied.advance(to: position)
                return (count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            case .failed(let error):
                throw error
            }
        }
    }

    /// On a first start, creates the administrator with a random one-time password.
    func initializeIfNeeded() async throws -> FirstStart? {
        guard !state.withLock({ $0.server.initialized }) else { return nil }
        let password = SecureRandom.readable(16)
        let hash = await passwords.hash(password)
        _ = try await execute(InitializeServer(
            serverName: configuration.serverName, administrator: UserID(SecureRandom.identifier("u")),
            username: "admin", passwordHash: hash), by: .system)
        return FirstStart(username: "admin", password: password)
    }

    /// Connections left open by a previous run (a crash, a kill) are closed in the log.
    func closeDanglingConnections() async {
        let open = state.withLock { state in state.statistics.open.map { ($0.key, $0.value.user) } }
        for (connection, user) in open {
            _ = try? await execute(RecordConnection.closed(connection, bytesIn: 0, bytesOut: 0), by: user)
        }
    }

    /// Appends the operations the command-line tools spooled (backups, exports), then removes them.
    func appendSpooledOperations() async {
        for (file, event) in Spool.pending(data: configuration.dataDirectory) {
            guard let event else {
                logger.warning("unreadable spooled operation set aside", metadata: ["file": "\(file)"])
                try? FileManager.default.moveItem(atPath: file, toPath: file + ".rejected")
                continue
            }
            do {
                try await execute(RecordOperation(event), by: .system)
                try? FileManager.default.removeItem(atPath: file)
            } catch {
                logger.warning("spooled operation not recorded", metadata: ["file": "\(file)", "error": "\(error)"])
            }
        }
    }

    static func decode(_ record: RecordedEvent) throws -> StoredEvent {
        do {
            return try StoredEvent(record)
        } catch {
            throw EventStoreError(
                .unsupportedFormat, position: record.position,
                "event type \(record.type) version \(record.schemaVersion) (\(error.kind.rawValue)) is not one this build knows")
        }
    }

    // MARK: Commands

    /// Decides without appending: throws the refusal `execute` would, now (work to do before the
    /// events — storing a folder's bytes — is not done for a command that will be refused).
    func check(_ command: some Command, by actor: UserID) throws(APIError) {
        let now = Timestamp.now().microseconds
        do throws(Rejection) {
            _ = try state.withLock { (state) throws(Rejection) in try command.decide(by: actor, in: state, now: now) }
        } catch {
            throw APIError(error)
        }
    }

    /// Decides, appends, and waits until the events are applied. Returns the last position
    /// (or, for a command already carried out, its position; for one with nothing to do, the
    /// current position).
    ///
    /// `admit` runs once the command is accepted and before anything is appended: a rate limit
    /// (the anti-flood bucket) that must only count what would really be done.
    @discardableResult
    func execute(_ command: some Command, by actor: UserID, admit: (() throws(APIError) -> Void)? = nil)
        async throws(APIError) -> UInt64
    {
        let now = Timestamp.now().microseconds
        let decision: Decision
        do throws(Rejection) {
            decision = try state.withLock { (state) throws(Rejection) in try command.decide(by: actor, in: state, now: now) }
        } catch {
            throw APIError(error)
        }
        if let done = decision.alreadyDone { return done }
        if decision.events.isEmpty { return position }
        try admit?()
        let events = decision.events.map { pending in
            NewEvent(stream: pending.stream, type: pending.event.tag, schemaVersion: pending.event.version,
                     actor: actor.rawValue, payload: pending.event.encodedPayload())
        }
        let conditions = decision.mustBeNew.map { StreamCondition(stream: $0, expected: .noStream) }
        let decided = FanoutTrace.shared.enabled ? FanoutTrace.now() : 0
        let result: AppendResult
        let appendStarted = ContinuousClock.now
        do {
            result = try await store.append(events, conditions: conditions)
            metrics.appended(in: ContinuousClock.now - appendStarted)
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            throw APIError(Rejection.conflict(decision.conflictReason))
        } catch {
            logger.error("append failed; nothing recorded", metadata: ["error": "\(error)"])
            throw APIError.unavailable
        }
        FanoutTrace.shared.acked(result.lastPosition, decided: decided)
        lastWrites.withLock { $0[actor] = max($0[actor] ?? 0, result.lastPosition) }
        await applied.wait(for: result.lastPosition)
        // Stopping: the events are logged, but not yet applied to the views this reply would reflect.
        if Task.isCancelled && applied.position < result.lastPosition { throw APIError.unavailable }
        return result.lastPosition
    }

    // MARK: The dispatcher

    /// Applies every new event in log order and delivers it; runs until cancelled.
    func runDispatcher() async throws {
        let trace = FanoutTrace.shared
        for try await record in store.subscribe(from: position + 1) {
            if trace.enabled { trace.dispatched(record.position) }
            let stored = try Self.decode(record)
            let (recipients, effects, context) = state.withLock { state -> (Recipients, [Effect], EventRenderer.Context?) in
                state.apply(stored)
                return (Self.recipients(of: stored, in: state, registry: registry), Self.effects(of: stored, in: state),
                        EventRenderer.Context.of(stored, in: state))
            }
            if let frame = EventRenderer.frame(stored, context: context) {
                metrics.delivered(registry.deliver(ByteBuffer(bytes: frame), at: stored.position, to: recipients))
                if trace.enabled { trace.queued(stored.position, loops: FlushQueue.mark(stored.position)) }
            }
            applied.advance(to: stored.position)
            for effect in effects { perform(effect) }
        }
    }

    static func recipients(of stored: StoredEvent, in state: borrowing ChatState, registry: ConnectionRegistry)
        -> Recipients
    {
        switch Audience.of(stored) {
        case .nobody: return .none
        case .everyone: return .everyone
        case .user(let user): return .users([user])
        case .users(let users): return .users(Set(users))
        case .administrators(let also):
            var users = Set(registry.connectedUsers().filter { state.isAdministrator($0) })
            if let also { users.insert(also) }
            return .users(users)
        case .room(let room, let also):
            var members = state.rooms[room]?.members ?? []
            if let also { members.insert(also) }
            return .users(members)
        case .formerMembers(let room):
            guard let found = state.rooms[room] else { return .none }
            return .users(Set(found.history.keys.filter { found.wasMember($0, at: stored.position) }))
        case .notice(let id):
            guard let notice = state.bulletin[id] else { return .none }
            if notice.audience.everyone { return .everyone }
            var users = Set(notice.audience.recipients)
            users.insert(notice.author)
            for user in registry.connectedUsers() where state.isAdministrator(user) { users.insert(user) }
            return .users(users)
        case .usersAndAdministrators(let list):
            var users = Set(list)
            for user in registry.connectedUsers() where state.isAdministrator(user) { users.insert(user) }
            return .users(users)
        case .board(let board, let also):
            guard let found = state.boards[board] else { return also.map { .users([$0]) } ?? .none }
            var users = Set(found.members.keys.filter { state.boardRole(found, $0) != nil })
            for user in registry.connectedUsers() where state.isAdministrator(user) { users.insert(user) }
            if let also { users.insert(also) }
            return .users(users)
        }
    }

    /// What an event changes for live connections besides the frame itself.
    enum Effect: Sendable {
        /// Sessions that ended: their connections close.
        case endSessions(UserID, tokenHash: String, reason: String)
        /// Permissions may have changed for these users (nil: anyone).
        case refreshCapabilities(Set<UserID>?)
        /// Something voice acts on (a moderator's mute or kick, a right or a membership gone).
        case voice(VoiceEffect)
    }

    static func effects(of stored: StoredEvent, in state: borrowing ChatState) -> [Effect] {
        switch stored.event {
        case .sessionEnded(let e):
            guard let user = stored.user else { return [] }
            let reason = switch e.reason {
            case .logout: "logged_out"
            case .revokedByAdministrator: "session_revoked"
            case .passwordChanged: "password_changed"
            case .accountDisabled: "account_disabled"
            case .expired: "session_expired"
            }
            return [.endSessions(user, tokenHash: e.tokenHash, reason: reason)]
        case .userGroupsChanged, .userEnabled:
            return (stored.user.map { [.refreshCapabilities([$0])] } ?? []) + [.voice(.review)]
        case .groupCreated, .groupChanged, .groupDeleted:
            return [.refreshCapabilities(nil), .voice(.review)]
        default:
            return VoiceEffect.of(stored).map { [.voice($0)] } ?? []
        }
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .endSessions(let user, let tokenHash, let reason):
            for connection in registry.connections(of: user) where tokenHash.isEmpty || connection.tokenHash == tokenHash {
                connection.end(reason)
            }
        case .refreshCapabilities(let users):
            for user in users.map(Array.init) ?? registry.connectedUsers() {
                let permissions = state.withLock { $0.permissions(of: user) }
                for connection in registry.connections(of: user) {
                    let changed = connection.capabilities.withLock { current -> Bool in
                        defer { current = permissions }
                        return current != permissions
                    }
                    if changed { connection.send(Frames.capabilities(permissions)) }
                }
            }
        case .voice(let effect):
            perform(effect)
        }
    }
}

/// The last position the dispatcher applied, and the commands waiting to see theirs applied.
/// Waiters are kept sorted by position, so each advance only looks at those it releases.
/// A cancelled waiter returns at once: when the server stops (a port already in use, a signal)
/// the dispatcher ends first, and nothing may wait for it forever.
final class AppliedPosition: Sendable {
    private struct Waiter {
        var position: UInt64
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var position: UInt64 = 0
        var waiters: [Waiter] = []
        var start = 0
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    var position: UInt64 { state.withLock { $0.position } }

    /// Sets the position back (a view rebuilt from scratch); waiters stay until it passes theirs.
    func reset(to position: UInt64) {
        state.withLock { $0.position = position }
        advance(to: position)
    }

    func advance(to position: UInt64) {
        let ready = state.withLock { state -> ArraySlice<Waiter> in
            state.position = max(state.position, position)
            var end = state.start
            while end < state.waiters.count && state.waiters[end].position <= state.position { end += 1 }
            guard end > state.start else { return [] }
            let ready = state.waiters[state.start..<end]
            state.start = end
            if state.start == state.waiters.count {
                state.waiters.removeAll(keepingCapacity: true)
                state.start = 0
            } else if state.start > 1024 {
                state.waiters.removeFirst(state.start)
                state.start = 0
            }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once `position` is applied, or at once if the task is cancelled.
    func wait(for position: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.position >= position || Task.isCancelled { return true }
                    // Appends finish in nearly increasing order: search from the end.
                    var index = state.waiters.count
                    while index > state.start && state.waiters[index - 1].position > position { index -= 1 }
                    state.waiters.insert(Waiter(position: position, id: id, continuation: continuation), at: index)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.waiters[state.start...].firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume()
        }
    }
}

/// A bounded channel between the replay's decoding task and the task applying events (one of
/// each): the sender waits while `capacity` chunks are unread, the receiver while there are none.
/// Neither blocks a thread.
final class ChunkChannel: Sendable {
    enum Item: Sendable {
        case events([StoredEvent])
        case end
        case failed(any Error)
    }

    private struct State {
        var items: [Item] = []
        var receiver: CheckedContinuation<Item, Never>?
        var sender: (item: Item, continuation: CheckedContinuation<Void, Never>)?
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func send(_ item: Item) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            enum Action { case handOver(CheckedContinuation<Item, Never>), queued, wait }
            let action = state.withLock { state -> Action in
                if let receiver = state.receiver {
                    state.receiver = nil
                    return .handOver(receiver)
                }
                if state.items.count < capacity {
                    state.items.append(item)
                    return .queued
                }
                state.sender = (item, continuation)
                return .wait
            }
            switch action {
            case .handOver(let receiver):
                receiver.resume(returning: item)
                continuation.resume()
            case .queued:
                continuation.resume()
            case .wait:
                break
            }
        }
    }

    func receive() async -> Item {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item, Never>) in
            let (item, sender) = state.withLock { state -> (Item?, CheckedContinuation<Void, Never>?) in
                guard !state.items.isEmpty else {
                    state.receiver = continuation
                    return (nil, nil)
                }
                let item = state.items.removeFirst()
                guard let waiting = state.sender else { return (item, nil) }
                state.sender = nil
                state.items.append(waiting.item)
                return (item, waiting.continuation)
            }
            sender?.resume()
            if let item { continuation.resume(returning: item) }
        }
    }
}
