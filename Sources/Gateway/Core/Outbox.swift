import NIOCore
import Synchronization

/// Frames waiting to be written to one client, in order, up to a bound. A client that lets the
/// bound fill up is too slow: the server disconnects it rather than buffer without end or slow
/// anyone else down; it resumes from its last position when it reconnects.
final class Outbox: Sendable {
    private struct State {
        var frames: [ByteBuffer] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
        var overflowed = false
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Queues a frame; false if the client is too slow (or gone) and must be disconnected.
    @discardableResult
    func push(_ frame: ByteBuffer) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            if state.closed || state.overflowed { return (false, nil) }
            if state.frames.count >= capacity {
                state.overflowed = true
                defer { state.waiter = nil }
                return (false, state.waiter)
            }
            state.frames.append(frame)
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Waits for frames and takes them all; nil once closed or overflowed.
    func next() async -> [ByteBuffer]? {
        while true {
            let taken = state.withLock { state -> [ByteBuffer]?? in
                if state.closed || state.overflowed { return .some(nil) }
                if state.frames.isEmpty { return nil }
                defer { state.frames.removeAll(keepingCapacity: true) }
                return .some(state.frames)
            }
            if let taken { return taken }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.closed || state.overflowed || !state.frames.isEmpty { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                close()
            }
        }
    }

    var overflowed: Bool { state.withLock { $0.overflowed } }

    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
