import Dispatch
import Foundation
import NIOCore
import Projections
import Synchronization

/// Every room's group voice on this server: who sits where, the packets coming in, and the
/// 20 ms clock that mixes and sends (docs/calls.md, ADR 018).
///
/// A connection has at most one seat; a user one seat per room (joining from a second window
/// moves the seat there). Packets arrive on the sockets' event loops and go straight into the
/// speaker's jitter buffer under the hub's lock (they never wait behind the session's commands).
/// The clock is one thread, started when the first seat is taken and ended when the last is
/// left: each tick mixes every room under the lock, then sends outside it — the listeners' shared
/// packet framed once for all of them, each speaker's own mix to them alone.
final class VoiceHub: Sendable {
    struct Seat: Sendable {
        let room: RoomID
        let user: UserID
        let connection: LiveConnection
    }

    /// Who is in a room's voice, as clients are told.
    struct Participant: Sendable, Equatable {
        var user: UserID
        var muted: Bool
        var mutedByModerator: Bool
    }

    /// Kinds of binary frames (the first byte): voice from a client, the mix to it.
    static let audioFromClient: UInt8 = 0x01
    static let audioToClient: UInt8 = 0x02
    /// A packet larger than this is not Opus at our rate (docs/calls.md, limits).
    static let maxPacketBytes = VoiceFormat.maxPacketBytes

    private struct State {
        var rooms: [RoomID: VoiceRoom] = [:]
        /// Connection id → seat.
        var seats: [String: Seat] = [:]
        var speaking: [RoomID: Set<UserID>] = [:]
        var clockRunning = false
        var generation = 0
    }

    private let state = Mutex(State())
    /// How late each tick started, in microseconds (the last 3,000: a minute).
    let lateness = TickLateness()
    /// Tells the room who is in its voice, and who speaks (ephemeral frames); set once by the
    /// core, which knows the rooms' members.
    private let announcer = Mutex<(@Sendable (RoomID, ByteBuffer) -> Void)?>(nil)

    init() {}

    func announce(with body: @escaping @Sendable (RoomID, ByteBuffer) -> Void) {
        announcer.withLock { $0 = body }
    }

    private func announce(_ room: RoomID, _ frame: ByteBuffer) {
        announcer.withLock { $0 }?(room, frame)
    }

    // MARK: Seats

    /// Seats `connection` in `room`'s voice (after the decision allowed it): the seat it had
    /// elsewhere, and any seat of the same user in this room, are given up first and returned.
    func join(_ connection: LiveConnection, room: RoomID) throws(OpusFailure) -> [Seat] {
        let (left, start) = try state.withLock { (state) throws(OpusFailure) -> ([Seat], Bool) in
            var left: [Seat] = []
            for (id, seat) in state.seats where id == connection.id || (seat.room == room && seat.user == connection.user) {
                if let removed = Self.unseat(id, &state) { left.append(removed) }
            }
            let voice: VoiceRoom
            if let existing = state.rooms[room] { voice = existing } else { voice = try VoiceRoom() }
            try voice.join(id: connection.id, user: connection.user)
            state.rooms[room] = voice
            state.seats[connection.id] = Seat(room: room, user: connection.user, connection: connection)
            let start = !state.clockRunning
            state.clockRunning = true
            if start { state.generation += 1 }
            return (left, start)
        }
        if start { startClock() }
        // The room hears of one change; the one who joined gets the whole list.
        announce(connection.user, in: room)
        connection.send(VoiceFrames.participants(room, participants(in: room)))
        for seat in left where seat.room != room { announce(seat.user, in: seat.room) }
        return left
    }

    /// Gives up a connection's seat; the seat it had, if any.
    @discardableResult
    func leave(_ connectionID: String) -> Seat? {
        let seat = state.withLock { Self.unseat(connectionID, &$0) }
        if let seat { announce(seat.user, in: seat.room) }
        return seat
    }

    /// Gives up every seat of `user` in `room` (a kick, a right removed); the seats it had.
    func remove(_ user: UserID, from room: RoomID) -> [Seat] {
        let seats = state.withLock { state -> [Seat] in
            state.seats.filter { $0.value.user == user && $0.value.room == room }.keys.compactMap { Self.unseat($0, &state) }
        }
        if !seats.isEmpty { announce(user, in: room) }
        return seats
    }

    /// Every seat whose user may no longer be there (`allowed` says no) is given up.
    func review(_ allowed: (UserID, RoomID) -> Bool) -> [Seat] {
        let seats = state.withLock { $0.seats.values.map { $0 } }
        let out = seats.filter { !allowed($0.user, $0.room) }
        var removed: [Seat] = []
        for seat in out { if let gone = leave(seat.connection.id) { removed.append(gone) } }
        return removed
    }

    private static func unseat(_ connectionID: String, _ state: inout State) -> Seat? {
        guard let seat = state.seats.removeValue(forKey: connectionID) else { return nil }
        state.rooms[seat.room]?.leave(id: connectionID)
        if state.rooms[seat.room]?.isEmpty == true {
            state.rooms[seat.room] = nil
            state.speaking[seat.room] = nil
        }
        if state.seats.isEmpty { state.clockRunning = false }
        return seat
    }

    func seat(of connectionID: String) -> Seat? { state.withLock { $0.seats[connectionID] } }

    var seatCount: Int { state.withLock { $0.seats.count } }

    func participants(in room: RoomID) -> [Participant] {
        state.withLock { state in
            guard let voice = state.rooms[room] else { return [] }
            var seen = Set<UserID>()
            return voice.participants.values.sorted { $0.user.rawValue < $1.user.rawValue }.compactMap { participant in
                guard seen.insert(participant.user).inserted else { return nil }
                return Participant(user: participant.user, muted: participant.muted, mutedByModerator: participant.mutedByModerator)
            }
        }
    }

    // MARK: Muting

    /// The participant mutes or unmutes themselves (not logged: it is their microphone).
    func muteSelf(_ connectionID: String, _ muted: Bool) -> Bool {
        let seat = state.withLock { state -> Seat? in
            guard let seat = state.seats[connectionID] else { return nil }
            state.rooms[seat.room]?.setMuted(connectionID, selfMuted: muted)
            return seat
        }
        if let seat { announce(seat.user, in: seat.room) }
        return seat != nil
    }

    /// A moderator's mute (from the log, so that every gateway applies it).
    func muteByModerator(_ user: UserID, in room: RoomID, _ muted: Bool) {
        let changed = state.withLock { state -> Bool in
            guard let voice = state.rooms[room] else { return false }
            var any = false
            for (id, seat) in state.seats where seat.user == user && seat.room == room {
                voice.setMuted(id, byModerator: muted)
                any = true
            }
            return any
        }
        if changed { announce(user, in: room) }
    }

    // MARK: Packets

    /// A binary frame from a connection: `0x01`, a 16-bit sequence (big-endian), an Opus packet.
    /// Whether it was voice from a seated connection (a muted one's is dropped, and still true).
    func receive(from connectionID: String, _ bytes: [UInt8]) -> Bool {
        guard bytes.count > 3, bytes.count <= 3 + Self.maxPacketBytes, bytes[0] == Self.audioFromClient else { return false }
        let sequence = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
        let packet = Array(bytes[3...])
        return state.withLock { state -> Bool in
            guard let seat = state.seats[connectionID], let voice = state.rooms[seat.room] else { return false }
            _ = voice.receive(from: connectionID, sequence: sequence, packet: packet)
            return true
        }
    }

    // MARK: The clock

    private func startClock() {
        let generation = state.withLock { $0.generation }
        let thread = Thread { [self] in runClock(generation) }
        thread.name = "causerie-voice"
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    /// Ticks every 20 ms against absolute deadlines (a late tick does not push the next ones back)
    /// until no one is seated.
    private func runClock(_ generation: Int) {
        let period: UInt64 = 20_000_000
        var deadline = Self.monotonicNanoseconds() + period
        while true {
            Self.sleep(until: deadline)
            let now = Self.monotonicNanoseconds()
            lateness.record(now > deadline ? (now - deadline) / 1_000 : 0)
            guard tick(generation) else { return }
            deadline += period
            // Asleep for more than a few ticks (a suspended machine): start again from now.
            if Self.monotonicNanoseconds() > deadline + 5 * period { deadline = Self.monotonicNanoseconds() + period }
        }
    }

    /// One tick of every room: mixes under the lock, sends after it. False when the clock should stop.
    func tick(_ generation: Int? = nil) -> Bool {
        struct Outgoing {
            var room: RoomID
            var tick: VoiceRoom.Tick
            var seats: [String: Seat]
            var speaking: Set<UserID>?
        }
        let (running, work) = state.withLock { state -> (Bool, [Outgoing]) in
            if let generation, !state.clockRunning || state.generation != generation { return (false, []) }
            var work: [Outgoing] = []
            for (room, voice) in state.rooms {
                guard let mixed = try? voice.mix() else { continue }
                let speaking = voice.speaking
                let changed = state.speaking[room] != speaking
                state.speaking[room] = speaking
                let seats = state.seats.filter { $0.value.room == room }
                work.append(Outgoing(room: room, tick: mixed, seats: seats, speaking: changed ? speaking : nil))
            }
            return (true, work)
        }
        for item in work {
            if let shared = item.tick.shared {
                let frame = Self.frame(item.tick.sequence, shared)
                for id in item.tick.listeners { item.seats[id]?.connection.sendVoice(frame) }
            }
            for (id, packet) in item.tick.own { item.seats[id]?.connection.sendVoice(Self.frame(item.tick.sequence, packet)) }
            if let speaking = item.speaking { announce(item.room, VoiceFrames.speaking(item.room, speaking)) }
        }
        return running
    }

    static func frame(_ sequence: UInt16, _ packet: [UInt8]) -> WireFrame {
        var payload = ByteBuffer()
        payload.reserveCapacity(3 + packet.count)
        payload.writeInteger(audioToClient)
        payload.writeInteger(sequence)
        payload.writeBytes(packet)
        return WireFrame(binary: payload)
    }

    /// Tells the room's members where `user` stands in its voice now (in, muted, or out): one
    /// small frame per change — the whole list to everyone on every join would be quadratic (a
    /// room of 1,000 joining sent gigabytes).
    private func announce(_ user: UserID, in room: RoomID) {
        let now = state.withLock { state -> Participant? in
            guard let voice = state.rooms[room] else { return nil }
            return voice.participants.values.first { $0.user == user }.map {
                Participant(user: user, muted: $0.muted, mutedByModerator: $0.mutedByModerator)
            }
        }
        announce(room, VoiceFrames.update(room, user, now))
    }

    private static func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Sleeps until the deadline (computed from the last one, so sleeps' overshoots do not add up).
    private static func sleep(until deadline: UInt64) {
        let now = monotonicNanoseconds()
        guard deadline > now else { return }
        usleep(UInt32(min((deadline - now) / 1_000, 1_000_000)))
    }
}

/// The voice clock's lateness, kept for `/metrics` and the benchmark.
final class TickLateness: Sendable {
    private let samples = Mutex((values: [UInt64](), next: 0))
    static let kept = 3_000

    func record(_ microseconds: UInt64) {
        samples.withLock { state in
            if state.values.count < Self.kept {
                state.values.append(microseconds)
            } else {
                state.values[state.next] = microseconds
                state.next = (state.next + 1) % Self.kept
            }
        }
    }

    /// The `fraction` percentile of the kept samples, in microseconds.
    func percentile(_ fraction: Double) -> UInt64 {
        let sorted = samples.withLock { $0.values }.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }
}
