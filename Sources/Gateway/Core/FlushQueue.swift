import NIOCore
import Synchronization

/// The connections of one event loop that have frames waiting, flushed by one task on that loop.
///
/// Delivering an event to a thousand connections would otherwise schedule a thousand tasks (each
/// taking the loop's queue lock and perhaps waking it); with this, the dispatcher appends each
/// connection to its loop's list and schedules at most one task per loop, which writes and flushes
/// them all (docs/benchmarks.md, fanout).
final class FlushQueue: Sendable {
    private let eventLoop: any EventLoop
    private let state = Mutex(State())

    private struct State {
        var waiting: [LiveConnection] = []
        var scheduled = false
        /// Tracing (FanoutTrace): the newest event queued here, and the newest reported written.
        var marked: UInt64 = 0
        var reported: UInt64 = 0
    }

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues `connection`'s flush (each connection asks once until it has been flushed).
    func enqueue(_ connection: LiveConnection) {
        let schedule = state.withLock { state -> Bool in
            state.waiting.append(connection)
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.drain() } }
    }

    private func drain() {
        let (connections, marked) = state.withLock { state -> ([LiveConnection], UInt64) in
            state.scheduled = false
            defer { state.waiting.removeAll(keepingCapacity: true) }
            return (state.waiting, state.marked)
        }
        for connection in connections { connection.flushPending() }
        if marked > 0 {
            let report = state.withLock { state -> Bool in
                defer { state.reported = max(state.reported, marked) }
                return marked > state.reported
            }
            if report { FanoutTrace.shared.flushed(upTo: marked) }
        }
    }

    /// Tracing: notes that every frame of the events up to `position` is queued; returns how
    /// many loops will report it.
    static func mark(_ position: UInt64) -> Int {
        let all = queues.withLock { Array($0.values) }
        for queue in all { queue.state.withLock { $0.marked = max($0.marked, position) } }
        return all.count
    }

    /// One queue per event loop, for the life of the process (event loops are few and long-lived).
    private static let queues = Mutex<[ObjectIdentifier: FlushQueue]>([:])

    static func of(_ eventLoop: any EventLoop) -> FlushQueue {
        queues.withLock { queues in
            let key = ObjectIdentifier(eventLoop)
            if let queue = queues[key] { return queue }
            let queue = FlushQueue(eventLoop: eventLoop)
            queues[key] = queue
            return queue
        }
    }
}
