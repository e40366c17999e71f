import Foundation
@testable import Gateway
import Projections
import Testing

/// The group voice mixer on real Opus packets: each participant hears the others and not
/// themselves, loud voices together do not clip, a lost packet is concealed, and packets out of
/// order are played in order (docs/calls.md).
@Suite("Voice mixer")
struct VoiceMixerTests {
    /// 20 ms of a sine tone, continuing from `frame` frames before.
    static func tone(_ hertz: Double, frame: Int, amplitude: Float = 0.3) -> [Float] {
        (0..<VoiceFormat.frameSamples).map { index in
            let t = Double(frame * VoiceFormat.frameSamples + index) / Double(VoiceFormat.sampleRate)
            return amplitude * Float(sin(2 * .pi * hertz * t))
        }
    }

    /// The power of one frequency in `samples` (Goertzel), normalised by length.
    static func power(_ samples: [Float], at hertz: Double) -> Double {
        let k = 2 * cos(2 * .pi * hertz / Double(VoiceFormat.sampleRate))
        var previous = 0.0, beforePrevious = 0.0
        for sample in samples {
            let current = Double(sample) + k * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let power = previous * previous + beforePrevious * beforePrevious - k * previous * beforePrevious
        return power / Double(samples.count * samples.count)
    }

    static func decibels(_ ratio: Double) -> Double { 10 * log10(max(ratio, 1e-30)) }

    /// A participant as a browser is one: its own encoder for what it says, its own decoder for
    /// what it hears.
    final class Client {
        let id: String
        let hertz: Double?
        let encoder: OpusEncoding
        let decoder: OpusDecoding
        var heard: [Float] = []

        init(_ id: String, hertz: Double?) throws {
            self.id = id
            self.hertz = hertz
            encoder = try OpusEncoding()
            decoder = try OpusDecoding()
        }
    }

    /// Runs `ticks` ticks: each speaking client sends its tone's next packet (unless `drop` says
    /// not), the room mixes, and each client decodes what it was sent (silence when nothing).
    static func run(_ room: VoiceRoom, _ clients: [Client], ticks: Int, from start: Int = 0,
                    drop: (String, Int) -> Bool = { _, _ in false }) throws {
        for frame in start..<start + ticks {
            for client in clients {
                guard let hertz = client.hertz, !drop(client.id, frame) else { continue }
                let packet = try client.encoder.encode(tone(hertz, frame: frame))
                _ = room.receive(from: client.id, sequence: UInt16(truncatingIfNeeded: frame), packet: packet)
            }
            let tick = try room.mix()
            for client in clients {
                let packet = tick.own[client.id] ?? (tick.listeners.contains(client.id) ? tick.shared : nil)
                client.heard += packet.map { client.decoder.decode($0).frame } ?? [Float](repeating: 0, count: VoiceFormat.frameSamples)
            }
        }
    }

    @Test func eachSpeakerHearsTheOthersAndNotThemselvesAndListenersHearEveryone() throws {
        let room = try VoiceRoom()
        let tones = [("ann", 440.0), ("bob", 1_000.0), ("cat", 2_500.0)]
        var clients = try tones.map { try Client($0.0, hertz: $0.1) }
        clients.append(try Client("dan", hertz: nil))  // listens only
        for client in clients { try room.join(id: client.id, user: UserID(client.id)) }
        try Self.run(room, clients, ticks: 100)
        for client in clients {
            let steady = Array(client.heard.suffix(50 * VoiceFormat.frameSamples))
            for (other, hertz) in tones {
                let level = Self.decibels(Self.power(steady, at: hertz))
                if other == client.id {
                    #expect(level < -60, "\(client.id) hears their own \(hertz) Hz at \(level) dB")
                } else {
                    #expect(level > -30, "\(client.id) does not hear \(other)'s \(hertz) Hz (\(level) dB)")
                }
            }
        }
        let expected: Set<UserID> = [UserID("ann"), UserID("bob"), UserID("cat")]
        #expect(room.speaking == expected)
    }

    @Test func loudVoicesTogetherAreLimitedNotWrapped() throws {
        // Frames whose sum peaks at 1.8 come out within the ceiling, and the gain comes back.
        var limiter = Limiter()
        var loud = Mixing.sum([Self.tone(300, frame: 0, amplitude: 0.9), Self.tone(300, frame: 0, amplitude: 0.9)])
        limiter.apply(&loud)
        #expect(loud.allSatisfy { abs($0) <= Limiter.ceiling + 1e-6 })
        #expect(loud.map(abs).max()! > 0.9, "the limiter squashed the frame instead of fitting it")
        var quiet = Self.tone(300, frame: 1, amplitude: 0.1)
        for _ in 0..<60 { limiter.apply(&quiet); quiet = Self.tone(300, frame: 1, amplitude: 0.1) }
        #expect(limiter.gain == 1)

        // Through the room: two loud speakers in phase, a listener; what it hears is the tone,
        // not the noise a wrapped sum makes.
        let room = try VoiceRoom()
        let clients = [try Client("ann", hertz: 700), try Client("bob", hertz: 700), try Client("dan", hertz: nil)]
        for client in clients { try room.join(id: client.id, user: UserID(client.id)) }
        for frame in 0..<60 {
            for client in clients.prefix(2) {
                let packet = try client.encoder.encode(Self.tone(700, frame: frame, amplitude: 0.9))
                _ = room.receive(from: client.id, sequence: UInt16(frame), packet: packet)
            }
            let tick = try room.mix()
            if let shared = tick.shared { clients[2].heard += clients[2].decoder.decode(shared).frame }
        }
        let steady = Array(clients[2].heard.suffix(30 * VoiceFormat.frameSamples))
        #expect(steady.map(abs).max()! <= 1.0)
        let tonePower = Self.power(steady, at: 700)
        let noisePower = Self.power(steady, at: 3_300) + Self.power(steady, at: 5_100)
        #expect(Self.decibels(tonePower / noisePower) > 30, "the loud mix is distorted")
    }

    @Test func aLostPacketIsConcealedAndTheVoiceGoesOn() throws {
        let room = try VoiceRoom()
        let clients = [try Client("ann", hertz: 440), try Client("dan", hertz: nil)]
        for client in clients { try room.join(id: client.id, user: UserID(client.id)) }
        try Self.run(room, clients, ticks: 60, drop: { id, frame in id == "ann" && frame == 40 })
        // Ann's packet 40 never came; the listener's audio still has no gap: the tick that would
        // have played it (two ticks of buffering later) is concealed, not silent.
        let listener = clients[1].heard
        for frame in 38...44 {
            let samples = Array(listener[frame * VoiceFormat.frameSamples..<(frame + 1) * VoiceFormat.frameSamples])
            #expect(Mixing.level(samples) > 0.05, "frame \(frame) is silent")
        }
        let steady = Array(listener.suffix(15 * VoiceFormat.frameSamples))
        #expect(Self.decibels(Self.power(steady, at: 440)) > -30)
    }

    @Test func packetsOutOfOrderArePlayedInOrderAndLateOnesDropped() {
        var buffer = JitterBuffer(target: 2)
        #expect(buffer.pop() == .silent)
        for sequence: UInt16 in [3, 1, 2, 5, 4] { #expect(buffer.insert(sequence: sequence, packet: [UInt8(sequence)]) == .accepted) }
        #expect(buffer.insert(sequence: 2, packet: [2]) == .duplicate)
        var played: [UInt8] = []
        for _ in 0..<5 { if case .packet(let bytes) = buffer.pop() { played += bytes } }
        #expect(played == [1, 2, 3, 4, 5])
        #expect(buffer.insert(sequence: 4, packet: [4]) == .late)
        // Nothing came for the next tick: concealed, then silent after the limit.
        #expect(buffer.pop() == .lost)
        for _ in 0..<4 { #expect(buffer.pop() == .lost) }
        #expect(buffer.pop() == .silent)
        #expect(!buffer.isPlaying)
    }

    @Test func sequencesWrapAndABufferThatRunsAheadIsBounded() {
        var buffer = JitterBuffer(target: 2, capacity: 4)
        for sequence: UInt16 in [65_534, 65_535, 0, 1] { _ = buffer.insert(sequence: sequence, packet: [UInt8(truncatingIfNeeded: sequence)]) }
        var played: [UInt8] = []
        for _ in 0..<4 { if case .packet(let bytes) = buffer.pop() { played += bytes } }
        #expect(played == [254, 255, 0, 1])
        // A sender that runs ahead: only `capacity` packets wait; the oldest are skipped.
        for sequence: UInt16 in 2...11 { _ = buffer.insert(sequence: sequence, packet: [UInt8(sequence)]) }
        #expect(buffer.waiting == 4)
        if case .packet(let bytes) = buffer.pop() { #expect(bytes == [8]) } else { Issue.record("no packet") }
    }

    @Test func aMutedParticipantIsNotMixedAndDamagedPacketsAreConcealed() throws {
        let room = try VoiceRoom()
        let clients = [try Client("ann", hertz: 440), try Client("bob", hertz: 1_000), try Client("dan", hertz: nil)]
        for client in clients { try room.join(id: client.id, user: UserID(client.id)) }
        room.setMuted("bob", byModerator: true)
        try Self.run(room, clients, ticks: 40)
        let steady = Array(clients[2].heard.suffix(20 * VoiceFormat.frameSamples))
        #expect(Self.decibels(Self.power(steady, at: 1_000)) < -60, "a muted voice reached the mix")
        #expect(Self.decibels(Self.power(steady, at: 440)) > -30)
        #expect(room.receive(from: "bob", sequence: 41, packet: [1, 2, 3]) == nil)
        // Bytes that are not Opus: concealed and counted, the room goes on.
        for sequence: UInt16 in 40...45 { _ = room.receive(from: "ann", sequence: sequence, packet: [0xFF, 0xFF, 0xFF, 0xFF]) }
        for _ in 0..<4 { _ = try room.mix() }
        #expect(room.participants["ann"]!.damaged > 0)
    }
}
