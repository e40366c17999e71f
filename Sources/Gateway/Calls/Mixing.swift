/// The sums a voice room makes each tick, on 20 ms frames of Float samples in [-1, 1].
///
/// The whole mix is made once; a speaker's mix is the whole mix minus their own frame (so no one
/// hears themselves, and N speakers cost N subtractions rather than N sums of N−1 frames);
/// listeners who are silent all get the whole mix, encoded once.
enum Mixing {
    /// The sample-wise sum of `frames` (silence when there are none).
    static func sum(_ frames: [[Float]]) -> [Float] {
        var total = [Float](repeating: 0, count: VoiceFormat.frameSamples)
        for frame in frames {
            for index in 0..<min(total.count, frame.count) { total[index] += frame[index] }
        }
        return total
    }

    /// `total` without `own`.
    static func without(_ own: [Float], from total: [Float]) -> [Float] {
        var rest = total
        for index in 0..<min(rest.count, own.count) { rest[index] -= own[index] }
        return rest
    }

    /// The loudness of a frame (root mean square), for "who is speaking".
    static func level(_ frame: [Float]) -> Float {
        guard !frame.isEmpty else { return 0 }
        var energy: Float = 0
        for sample in frame { energy += sample * sample }
        return (energy / Float(frame.count)).squareRoot()
    }
}

/// Keeps a mix of several voices inside [-1, 1] without wrapping or the crackle of hard clipping:
/// when a frame's peak would go over the ceiling the gain drops at once to fit it (attack within
/// the frame), and comes back up slowly, ramped sample by sample (release: about 0.4 s from half
/// to full) once the voices are quieter. Each outgoing stream has its own, as its gain follows
/// its own mix.
struct Limiter {
    static let ceiling: Float = 0.98
    /// Gain regained per 20 ms frame.
    static let release: Float = 0.025
    private(set) var gain: Float = 1

    mutating func apply(_ frame: inout [Float]) {
        var peak: Float = 0
        for sample in frame { peak = max(peak, abs(sample)) }
        let fits = peak > Self.ceiling ? Self.ceiling / peak : 1
        if fits <= gain {
            for index in frame.indices { frame[index] *= fits }
            gain = fits
            return
        }
        // Releasing: from the last gain toward full, never above what this frame fits.
        let target = min(fits, gain + Self.release)
        let step = (target - gain) / Float(max(1, frame.count))
        var current = gain
        for index in frame.indices {
            current += step
            frame[index] *= current
        }
        gain = target
    }
}
