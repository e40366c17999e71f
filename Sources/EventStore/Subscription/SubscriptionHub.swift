import Synchronization

/// Hands committed events to live subscribers; each subscriber catches up from disk on its own.
///
/// The switch from disk to live is decided under the hub's lock: a subscriber becomes live only
/// when its next position is past the last published one, and disk reads never go beyond that
/// published head, so an event is either read from disk or pushed live — never both, never neither.
final class SubscriptionHub: Sendable {
    /// Reads committed events `[from, through]`, at most `limit` of them.
    typealias DiskReader = @Sendable (_ from: UInt64, _ through: UInt64, _ limit: Int) throws -> [RecordedEvent]
    /// Returns the committed head as stored, for stores whose writer is another process.
    typealias HeadReader = @Sendable () throws -> UInt64

    private struct State {
        var head: UInt64
        /// Weak: a subscription ends when its consumer drops it; publish prunes the dead entries.
        var subscribers: [ObjectIdentifier: WeakSubscriber] = [:]
        var closed = false
    }

    private let state: Mutex<State>
    let bufferCapacity: Int
    let readChunk: Int
    let readDisk: DiskReader
    /// Set for read-only stores: there is no writer in this process to publish, so waiting
    /// subscribers poll the stored head instead.
    let pollHead: HeadReader?

    init(head: UInt64, bufferCapacity: Int, readChunk: Int = 512, readDisk: @escaping DiskReader, pollHead: HeadReader?) {
        state = Mutex(State(head: head))
        self.bufferCapacity = bufferCapacity
        self.readChunk = readChunk
        self.readDisk = readDisk
        self.pollHead = pollHead
    }

    var head: UInt64 { state.withLock { $0.head } }

    func subscribe(from position: UInt64) -> LogSubscriber {
        let subscriber = LogSubscriber(hub: self, next: max(1, position))
        state.withLock { state in
            if state.closed { subscriber.state.withLock { $0.ended = true } }
            state.subscribers[ObjectIdentifier(subscriber)] = WeakSubscriber(value: subscriber)
        }
        return subscriber
    }

    /// How many subscriptions are still held by someone (for tests and statistics).
    var subscriberCount: Int {
        state.withLock { state in state.subscribers.values.count { $0.value != nil } }
    }

    /// Publishes events just committed (contiguous, following the current head).
    func publish(_ events: [RecordedEvent]) {
        guard let last = events.last else { return }
        var wake: [CheckedContinuation<Void, Never>] = []
        state.withLock { state in
            state.head = last.position
            var dead: [ObjectIdentifier] = []
            for (id, entry) in state.subscribers {
                guard let subscriber = entry.value else {
                    dead.append(id)
                    continue
                }
                if let waiter = subscriber.offer(events, capacity: bufferCapacity) { wake.append(waiter) }
            }
            for id in dead { state.subscribers.removeValue(forKey: id) }
        }
        for waiter in wake { waiter.resume() }
    }

    /// Notes a head advanced by another process (read-only stores).
    func advance(to head: UInt64) {
        state.withLock { if head > $0.head { $0.head = head } }
    }

    /// Ends every subscription (the store is closing).
    func close() {
        var wake: [CheckedContinuation<Void, Never>] = []
        state.withLock { state in
            state.closed = true
            for entry in state.subscribers.values {
                if let waiter = entry.value?.end() { wake.append(waiter) }
            }
            state.subscribers.removeAll()
        }
        for waiter in wake { waiter.resume() }
    }

    /// Under the hub's lock: what a subscriber whose buffer is empty should do next.
    func plan(for subscriber: LogSubscriber) -> LogSubscriber.Step {
        state.withLock { hub in
            subscriber.state.withLock { sub in
                if sub.ended || hub.closed { return .end }
                if let event = sub.popFirst() { return .deliver(event) }
                if sub.live { return .wait }
                if sub.next > hub.head {
                    sub.live = true
                    return .wait
                }
                return .read(from: sub.next, through: hub.head)
            }
        }
    }
}

/// One subscriber's buffer and position. The hub's lock is always taken before this one's.
final class LogSubscriber: SubscriptionSource {
    struct State {
        /// The position of the next event to hand out.
        var next: UInt64
        var buffer: [RecordedEvent] = []
        var bufferStart = 0
        /// Receiving live events from the hub (otherwise reading from disk).
        var live = false
        var ended = false
        var waiter: CheckedContinuation<Void, Never>?

        mutating func popFirst() -> RecordedEvent? {
            guard bufferStart < buffer.count else { return nil }
            let event = buffer[bufferStart]
            bufferStart += 1
            if bufferStart == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                bufferStart = 0
            }
            next = event.position + 1
            return event
        }

        var buffered: Int { buffer.count - bufferStart }
    }

    enum Step {
        case deliver(RecordedEvent)
        case read(from: UInt64, through: UInt64)
        case wait
        case end
    }

    private let hub: SubscriptionHub
    let state: Mutex<State>

    init(hub: SubscriptionHub, next: UInt64) {
        self.hub = hub
        state = Mutex(State(next: next))
    }

    /// Called by the hub (its lock held) with newly committed events; returns a waiter to wake.
    func offer(_ events: [RecordedEvent], capacity: Int) -> CheckedContinuation<Void, Never>? {
        state.withLock { sub in
            guard sub.live else { return nil }
            if sub.buffered + events.count > capacity {
                // Too slow: stop the live feed; it will read these from disk once its buffer drains.
                sub.live = false
            } else {
                sub.buffer.append(contentsOf: events)
            }
            defer { sub.waiter = nil }
            return sub.waiter
        }
    }

    func end() -> CheckedContinuation<Void, Never>? {
        state.withLock { sub in
            sub.ended = true
            defer { sub.waiter = nil }
            return sub.waiter
        }
    }

    func next() async throws -> RecordedEvent? {
        while true {
            if Task.isCancelled { return nil }
            switch hub.plan(for: self) {
            case .deliver(let event):
                return event
            case .end:
                return nil
            case .read(let from, let through):
                let events = try hub.readDisk(from, through, hub.readChunk)
                guard events.first?.position == from else {
                    throw EventStoreError(.corrupt, position: from, "the log has no record at a committed position")
                }
                // Only this task touches the buffer while the subscriber is not live.
                state.withLock { $0.buffer.append(contentsOf: events) }
            case .wait:
                if let pollHead = hub.pollHead {
                    try? await Task.sleep(for: .milliseconds(50))
                    hub.advance(to: try pollHead())
                    state.withLock { $0.live = false }
                    continue
                }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = state.withLock { sub -> Bool in
                            if sub.ended || sub.buffered > 0 || !sub.live { return true }
                            sub.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = state.withLock { sub -> CheckedContinuation<Void, Never>? in
                        sub.ended = true
                        defer { sub.waiter = nil }
                        return sub.waiter
                    }
                    waiter?.resume()
                }
            }
        }
    }
}

struct WeakSubscriber {
    weak var value: LogSubscriber?
}
