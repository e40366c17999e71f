import Projections

/// One room's group voice: who is in it, each one's packets waiting in a jitter buffer, and at
/// every 20 ms tick the mixes that go out (docs/calls.md, "Group voice").
///
/// Each tick: every participant's next packet is decoded (or concealed when late or lost); those
/// with a frame are this tick's speakers; their sum is the room's mix. Silent listeners all get
/// that mix, encoded once for all of them; each speaker gets the mix without their own voice,
/// encoded for them alone. Not thread-safe: `VoiceHub` owns it and calls it under its lock.
final class VoiceRoom {
    /// What one tick sends.
    struct Tick {
        /// The tick's number: every outgoing packet carries it, so a client hears one sequence
        /// whether it gets the shared mix or its own.
        var sequence: UInt16
        /// The shared mix, for each id in `listeners` (nil: nobody speaks, or nobody listens).
        var shared: [UInt8]?
        var listeners: [String]
        /// Each speaker's mix without their own voice (absent when they speak alone).
        var own: [String: [UInt8]]
    }

    final class Participant {
        let id: String
        let user: UserID
        var buffer = JitterBuffer()
        let decoder: OpusDecoding
        /// Their own mix's encoder, made the first time they speak.
        var encoder: OpusEncoding?
        var limiter = Limiter()
        var selfMuted = false
        var mutedByModerator = false
        /// The last tick their voice was above the speaking threshold.
        var lastVoice: UInt64 = 0
        /// Packets libopus could not read (concealed instead).
        var damaged = 0

        init(id: String, user: UserID) throws(OpusFailure) {
            self.id = id
            self.user = user
            decoder = try OpusDecoding()
        }

        var muted: Bool { selfMuted || mutedByModerator }
    }

    /// A frame louder than this (RMS, about −40 dBFS) counts as speaking.
    static let speakingLevel: Float = 0.01
    /// "Speaking" lasts this many ticks after the voice drops (300 ms), so the indicator does not flicker.
    static let speakingHangover: UInt64 = 15

    private(set) var participants: [String: Participant] = [:]
    /// Join order, so that each tick visits participants in the same order.
    private var order: [String] = []
    private let sharedEncoder: OpusEncoding
    private var sharedLimiter = Limiter()
    private(set) var tick: UInt64 = 0

    init() throws(OpusFailure) {
        sharedEncoder = try OpusEncoding()
    }

    var isEmpty: Bool { participants.isEmpty }

    func join(id: String, user: UserID) throws(OpusFailure) {
        guard participants[id] == nil else { return }
        participants[id] = try Participant(id: id, user: user)
        order.append(id)
    }

    func leave(id: String) {
        guard participants.removeValue(forKey: id) != nil else { return }
        order.removeAll { $0 == id }
    }

    /// A packet from a participant; nil when they are not in the room or are muted (a muted
    /// voice is dropped here, so it never reaches the mix).
    func receive(from id: String, sequence: UInt16, packet: [UInt8]) -> JitterBuffer.Insertion? {
        guard let participant = participants[id], !participant.muted else { return nil }
        return participant.buffer.insert(sequence: sequence, packet: packet)
    }

    /// Mutes or unmutes; a mute empties what was waiting, so nothing said before it is heard after.
    func setMuted(_ id: String, selfMuted: Bool? = nil, byModerator: Bool? = nil) {
        guard let participant = participants[id] else { return }
        if let selfMuted { participant.selfMuted = selfMuted }
        if let byModerator { participant.mutedByModerator = byModerator }
        if participant.muted { participant.buffer = JitterBuffer() }
    }

    /// Who has been heard within the hangover.
    var speaking: Set<UserID> {
        Set(order.compactMap { id in
            participants[id].flatMap { $0.lastVoice > 0 && tick - $0.lastVoice < Self.speakingHangover ? $0.user : nil }
        })
    }

    /// One 20 ms tick.
    func mix() throws(OpusFailure) -> Tick {
        tick += 1
        var speakers: [(Participant, [Float])] = []
        var listeners: [String] = []
        for id in order {
            guard let participant = participants[id] else { continue }
            let frame: [Float]?
            switch participant.buffer.pop() {
            case .packet(let packet):
                let decoded = participant.decoder.decode(packet)
                if decoded.damaged { participant.damaged += 1 }
                frame = decoded.frame
            case .lost:
                frame = participant.decoder.decode(nil).frame
            case .silent:
                frame = nil
            }
            if let frame {
                if Mixing.level(frame) >= Self.speakingLevel { participant.lastVoice = tick }
                speakers.append((participant, frame))
            } else {
                listeners.append(id)
            }
        }
        var result = Tick(sequence: UInt16(truncatingIfNeeded: tick), shared: nil, listeners: listeners, own: [:])
        guard !speakers.isEmpty else { return result }
        let total = Mixing.sum(speakers.map(\.1))
        if !listeners.isEmpty {
            var shared = total
            sharedLimiter.apply(&shared)
            result.shared = try sharedEncoder.encode(shared)
        }
        guard speakers.count > 1 else { return result }
        for (speaker, frame) in speakers {
            var rest = Mixing.without(frame, from: total)
            speaker.limiter.apply(&rest)
            if speaker.encoder == nil { speaker.encoder = try OpusEncoding() }
            result.own[speaker.id] = try speaker.encoder!.encode(rest)
        }
        return result
    }
}
