import COpus

/// The one format voice travels in (docs/calls.md): Opus, 48 kHz mono, 20 ms frames, about
/// 32 kbit/s — what WebCodecs' `AudioEncoder` sends from the browser and the mixer sends back.
enum VoiceFormat {
    static let sampleRate: Int32 = 48_000
    /// Samples in one 20 ms frame.
    static let frameSamples = 960
    static let bitrate: Int32 = 32_000
    /// Opus's largest packet for one frame (RFC 6716 §3.4).
    static let maxPacketBytes = 1_275
}

/// A libopus call that failed, with libopus's own words.
struct OpusFailure: Error, CustomStringConvertible {
    let code: Int32
    let during: String
    var description: String { "\(during): \(String(cString: opus_strerror(code)))" }
}

/// One Opus encoder: a stream of frames whose state carries from one to the next, so each
/// outgoing stream (a speaker's mix without their own voice, or the listeners' shared mix) has its own.
final class OpusEncoding {
    private let state: OpaquePointer

    init(bitrate: Int32 = VoiceFormat.bitrate, complexity: Int32 = 5) throws(OpusFailure) {
        var error: Int32 = 0
        guard let state = opus_encoder_create(VoiceFormat.sampleRate, 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else {
            throw OpusFailure(code: error, during: "creating an encoder")
        }
        self.state = state
        _ = causerie_opus_set_bitrate(state, bitrate)
        _ = causerie_opus_set_complexity(state, complexity)
        _ = causerie_opus_set_signal_voice(state)
    }

    deinit { opus_encoder_destroy(state) }

    /// One 20 ms frame of samples in [-1, 1] to one packet.
    func encode(_ frame: [Float]) throws(OpusFailure) -> [UInt8] {
        precondition(frame.count == VoiceFormat.frameSamples, "a voice frame is 20 ms")
        var packet = [UInt8](repeating: 0, count: VoiceFormat.maxPacketBytes)
        let written = frame.withUnsafeBufferPointer { samples in
            opus_encode_float(state, samples.baseAddress!, Int32(VoiceFormat.frameSamples), &packet, Int32(packet.count))
        }
        guard written > 0 else { throw OpusFailure(code: written, during: "encoding a frame") }
        packet.removeLast(packet.count - Int(written))
        return packet
    }
}

/// One Opus decoder: a speaker's stream, with libopus's packet loss concealment for a frame that
/// did not come in time.
final class OpusDecoding {
    private let state: OpaquePointer

    init() throws(OpusFailure) {
        var error: Int32 = 0
        guard let state = opus_decoder_create(VoiceFormat.sampleRate, 1, &error), error == OPUS_OK else {
            throw OpusFailure(code: error, during: "creating a decoder")
        }
        self.state = state
    }

    deinit { opus_decoder_destroy(state) }

    /// A packet's 20 ms of samples; `nil` conceals a lost packet from what came before. A packet
    /// libopus cannot read (a hostile or damaged one) is concealed too, and said so.
    func decode(_ packet: [UInt8]?) -> (frame: [Float], damaged: Bool) {
        var frame = [Float](repeating: 0, count: VoiceFormat.frameSamples)
        var decoded = frame.withUnsafeMutableBufferPointer { samples in
            if let packet {
                packet.withUnsafeBufferPointer {
                    opus_decode_float(state, $0.baseAddress, Int32($0.count), samples.baseAddress!, Int32(VoiceFormat.frameSamples), 0)
                }
            } else {
                opus_decode_float(state, nil, 0, samples.baseAddress!, Int32(VoiceFormat.frameSamples), 0)
            }
        }
        var damaged = false
        if packet != nil && decoded != Int32(VoiceFormat.frameSamples) {
            damaged = true
            decoded = frame.withUnsafeMutableBufferPointer { samples in
                opus_decode_float(state, nil, 0, samples.baseAddress!, Int32(VoiceFormat.frameSamples), 0)
            }
        }
        if decoded != Int32(VoiceFormat.frameSamples) { frame = [Float](repeating: 0, count: VoiceFormat.frameSamples) }
        return (frame, damaged)
    }
}
