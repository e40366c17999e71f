import NIOCore
import NIOWebSocket
import Projections
import Synchronization

/// One live WebSocket session of a user, and the only way frames reach it.
///
/// Frames go straight to the socket's channel (no task per connection to wake up): the
/// dispatcher, the command replies and presence all call `send`, which queues the frame under this
/// connection's lock, so that frames keep their order, and asks its event loop's `FlushQueue` for a
/// flush if none is pending. Frames that arrive before that flush runs leave with it, in one
/// `writev`: under load, deliveries coalesce by themselves (docs/benchmarks.md, fanout). Until the client has been brought up to
/// date (welcome, then what it missed), live frames wait in a buffer. A client that lets more
/// than `capacity` frames pile up unwritten is too slow: it is cut off, and resumes from its last
/// position when it reconnects.
///
/// "Too slow" is measured without a promise per write (a promise and its closure per delivery
/// were a tenth of a delivery's CPU, docs/benchmarks.md, fanout): frames waiting for the event
/// loop's flush are counted as they are queued, and the bytes the socket has not taken are
/// bounded by the channel's write-buffer water mark (`capacity` KiB, set when the session
/// starts): past it the channel says it is not writable and the session ends the connection.
final class LiveConnection: Sendable {
    let id: String
    let user: UserID
    let tokenHash: String
    let address: String
    /// The permissions last sent to this client (pushed again when they change).
    let capabilities: Mutex<Permissions>
    /// Events at or before this position reach the client by its catch-up, not live.
    let liveAfter = Mutex<UInt64>(.max)
    /// Whether the client keeps the people list (and so wants presence changes).
    let wantsPresence: Bool
    let channel: any Channel
    private let flushes: FlushQueue
    private let capacity: Int
    private let state = Mutex(State())
    /// The WebSocket frame encoder's context, found once (a pipeline search per flush showed in
    /// profiles); only read and written on the channel's event loop.
    private let encoder: NIOLoopBoundBox<ChannelHandlerContext?>

    private struct State {
        var catchingUp = true
        var buffered: [WireFrame] = []
        /// Frames queued for the next flush on the event loop.
        var pending: [ByteBuffer] = []
        var flushScheduled = false
        var ended = false
        var reason: String?
        var bytesOut: UInt64 = 0
    }

    init(id: String, user: UserID, tokenHash: String, address: String, capabilities: Permissions, capacity: Int,
         wantsPresence: Bool, channel: any Channel) {
        self.id = id
        self.user = user
        self.tokenHash = tokenHash
        self.address = address
        self.capabilities = Mutex(capabilities)
        self.capacity = capacity
        self.wantsPresence = wantsPresence
        self.channel = channel
        flushes = FlushQueue.of(channel.eventLoop)
        encoder = .makeEmptyBox(valueType: ChannelHandlerContext.self, eventLoop: channel.eventLoop)
    }

    /// Sends a frame (or keeps it until catch-up is done); false if the client is gone or too slow.
    @discardableResult
    func send(_ frame: ByteBuffer) -> Bool {
        send(WireFrame(text: frame))
    }

    /// Sends a frame already framed for the wire (one delivered to many connections is framed once).
    @discardableResult
    func send(_ frame: WireFrame) -> Bool {
        let accepted = state.withLock { state -> Bool in
            if state.ended { return false }
            if state.catchingUp {
                guard state.buffered.count < capacity else { return false }
                state.buffered.append(frame)
                return true
            }
            guard state.pending.count < capacity else { return false }
            write(frame, &state)
            return true
        }
        if !accepted { end("too_slow") }
        return accepted
    }

    /// A voice packet: sent when the connection keeps up, dropped otherwise — neither queued
    /// behind a catch-up nor counted against the client (audio late is audio lost, and the
    /// client conceals it).
    func sendVoice(_ frame: WireFrame) {
        guard channel.isWritable else { return }
        state.withLock { state in
            guard !state.ended, !state.catchingUp, state.pending.count < Self.voiceBacklog else { return }
            write(frame, &state)
        }
    }

    /// Frames waiting for the event loop past which a voice packet is dropped.
    static let voiceBacklog = 16

    /// Writes frames now, ahead of the buffer (the welcome, then the catch-up), and returns when
    /// the socket took them: a large catch-up goes at the client's pace.
    func sendNow(_ frames: [ByteBuffer]) async throws {
        guard !frames.isEmpty else { return }
        let future = state.withLock { state -> EventLoopFuture<Void>? in
            guard !state.ended else { return nil }
            for frame in frames.dropLast() {
                state.bytesOut += UInt64(frame.readableBytes)
                channel.write(Self.textFrame(frame), promise: nil)
            }
            state.bytesOut += UInt64(frames[frames.count - 1].readableBytes)
            return channel.writeAndFlush(Self.textFrame(frames[frames.count - 1]))
        }
        guard let future else { throw ChannelError.ioOnClosedChannel }
        try await future.get()
    }

    /// Catch-up is done: what waited goes out, then frames flow live.
    func finishCatchUp() {
        let overflow = state.withLock { state -> Bool in
            guard state.catchingUp, !state.ended else { return false }
            state.catchingUp = false
            let waiting = state.buffered
            state.buffered = []
            for frame in waiting { write(frame, &state) }
            return state.pending.count > capacity
        }
        if overflow { end("too_slow") }
    }

    private func write(_ frame: WireFrame, _ state: inout State) {
        state.bytesOut += UInt64(frame.payloadBytes)
        state.pending.append(frame.bytes)
        if !state.flushScheduled {
            state.flushScheduled = true
            flushes.enqueue(self)
        }
    }

    /// On the event loop: writes every queued frame and flushes once. Frames complete in order,
    /// so the last one's promise accounts for them all.
    ///
    /// The frames are already framed, so they are written from the frame encoder's place in the
    /// pipeline towards the socket: a write from the channel's tail would pass every handler
    /// (a third of a lone delivery's CPU in a profile). With no encoder, the WebSocket is closing and
    /// the frames have nowhere to go.
    func flushPending() {
        let frames = state.withLock { state -> [ByteBuffer] in
            state.flushScheduled = false
            defer { state.pending.removeAll(keepingCapacity: state.pending.count <= 64) }
            return state.pending
        }
        guard let last = frames.last else { return }
        if encoder.value == nil { encoder.value = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self) }
        // No encoder: the WebSocket is closing, and the frames have nowhere to go.
        guard let context = encoder.value else { return }
        // As `IOData`, what the channel's head takes, so that it need not convert each one.
        for frame in frames.dropLast() { context.write(NIOAny(IOData.byteBuffer(frame)), promise: nil) }
        context.writeAndFlush(NIOAny(IOData.byteBuffer(last)), promise: nil)
        endIfTooSlow()
    }

    /// Past the water mark, a live client is cut off (an atomic read of the channel's
    /// writability). During the catch-up the socket sets the pace instead: `sendNow` waits for it.
    func endIfTooSlow() {
        guard !channel.isWritable, !state.withLock({ $0.catchingUp || $0.ended }) else { return }
        end("too_slow")
    }

    /// The bytes a client may leave unread before it counts as too slow (the channel's high water
    /// mark; the low one at half).
    static func waterMark(capacity: Int) -> ChannelOptions.Types.WriteBufferWaterMark {
        .init(low: capacity * 512, high: capacity * 1024)
    }

    static func textFrame(_ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: data)
    }

    /// Ends the session: a last frame says why, then the socket closes. A client too slow to
    /// read is cut off at once: its buffers are full, nothing more can reach it.
    func end(_ reason: String) {
        let first = state.withLock { state -> Bool in
            guard !state.ended else { return false }
            state.ended = true
            state.reason = reason
            state.buffered = []
            return true
        }
        guard first else { return }
        if reason == "too_slow" {
            channel.close(mode: .all, promise: nil)
            return
        }
        channel.closeWebSocket(saying: Frames.closing(reason), code: .policyViolation, reason: reason)
    }

    /// The session ended from the other side (the client left): nothing more is sent.
    func markEnded() {
        state.withLock { $0.ended = true }
    }

    var endReason: String? { state.withLock { $0.reason } }
    var bytesOut: UInt64 { state.withLock { $0.bytesOut } }
}
