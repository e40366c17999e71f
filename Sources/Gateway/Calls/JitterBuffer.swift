/// A speaker's packets between the network and the mixer's 20 ms ticks.
///
/// Packets carry a 16-bit sequence number (it wraps every 22 minutes: compared by serial
/// arithmetic, RFC 1982). Playout starts once `target` packets wait (40 ms by default), then
/// takes one per tick in sequence order whatever order they came in; a packet missing at its tick
/// is concealed (the decoder's PLC) for up to `concealLimit` ticks, after which the speaker is
/// taken as silent and the buffer fills again before playing. Packets older than the one playing
/// are dropped (late); more than `capacity` waiting (the sender runs ahead, or came back after a
/// stall) skips the oldest, so the delay cannot grow without bound.
struct JitterBuffer {
    enum Playout: Equatable {
        case packet([UInt8])
        /// Playing, but this tick's packet has not come: conceal it.
        case lost
        /// Not playing (nothing yet, or the speaker stopped).
        case silent
    }

    enum Insertion: Equatable {
        case accepted, late, duplicate
    }

    let target: Int
    let capacity: Int
    let concealLimit: Int

    private var packets: [UInt16: [UInt8]] = [:]
    /// The sequence the next tick plays, while playing.
    private var next: UInt16?
    /// The last sequence played or concealed: anything at or before it is late.
    private var played: UInt16?
    private var missedInARow = 0

    init(target: Int = 2, capacity: Int = 16, concealLimit: Int = 5) {
        self.target = max(1, target)
        self.capacity = max(self.target, capacity)
        self.concealLimit = concealLimit
    }

    var isPlaying: Bool { next != nil }
    var waiting: Int { packets.count }

    /// `a` comes before `b` in sequence order (RFC 1982 serial arithmetic on 16 bits).
    static func precedes(_ a: UInt16, _ b: UInt16) -> Bool { Int16(bitPattern: a &- b) < 0 }

    mutating func insert(sequence: UInt16, packet: [UInt8]) -> Insertion {
        // After a silence a speaker may come back from anywhere in the sequence (a long mute
        // wraps it): only a buffer in use has "late" packets.
        if next == nil && packets.isEmpty { played = nil }
        if let played, !Self.precedes(played, sequence) { return .late }
        guard packets[sequence] == nil else { return .duplicate }
        packets[sequence] = packet
        while packets.count > capacity, let oldest = oldestWaiting() {
            packets[oldest] = nil
            if let current = next, !Self.precedes(oldest, current) { next = oldest &+ 1 }
            played = oldest
        }
        return .accepted
    }

    /// This tick's packet (or what to do without one).
    mutating func pop() -> Playout {
        if next == nil {
            guard packets.count >= target, let first = oldestWaiting() else { return .silent }
            next = first
            missedInARow = 0
        }
        let sequence = next!
        next = sequence &+ 1
        played = sequence
        if let packet = packets.removeValue(forKey: sequence) {
            missedInARow = 0
            return .packet(packet)
        }
        missedInARow += 1
        if missedInARow > concealLimit {
            // The speaker stopped (muted, or the network went): wait for a buffer's worth again.
            next = nil
            return .silent
        }
        return .lost
    }

    private func oldestWaiting() -> UInt16? {
        packets.keys.min { Self.precedes($0, $1) }
    }
}
