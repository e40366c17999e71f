import EventStore
import Foundation

/// Helpers shared by the benchmarks.
enum Measure {
    /// Prints a progress line on standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints the benchmark's figures as one JSON line on standard output.
    static func report(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// The value at `fraction` (0…1) of sorted values.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
        return sorted[index]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func seconds(_ duration: Duration) -> Double { milliseconds(duration) / 1000 }

    /// Rounds for the report (3 significant decimals is plenty for noisy figures).
    static func round(_ value: Double, _ places: Int = 3) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    /// Median latency of one `fdatasync` of a 4 KiB write in `directory`, in milliseconds.
    static func fsyncProbe(in directory: String, samples: Int = 100) -> Double {
        let path = directory + "/fsync-probe"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return .nan }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        let clock = ContinuousClock()
        var times: [Double] = []
        for index in 0..<samples {
            _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t(index * 4096)) }
            let start = clock.now
            fdatasync(fd)
            times.append(milliseconds(clock.now - start))
        }
        return percentile(times.sorted(), 0.5)
    }

    /// A new empty directory for a benchmark's store.
    static func scratchDirectory(_ label: String, under parent: String?) -> String {
        let base = parent ?? NSTemporaryDirectory()
        let path = (base as NSString).appendingPathComponent("causerie-bench-\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Peak resident set size of this process so far, in MiB (VmHWM).
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kilobytes / 1024
        }
        return .nan
    }

    /// A chat message of 60 to 200 characters.
    static func payloadText(_ index: Int) -> String {
        let words = ["meeting", "report", "lunch", "deadline", "coffee", "client", "invoice", "review", "today", "tomorrow"]
        var text = "Message \(index):"
        var word = index
        while text.count < 60 + index % 140 {
            text += " " + words[word % words.count]
            word = (word &* 31 &+ 7) & 0x7FFF_FFFF
        }
        return text
    }

    /// A payload of `size` bytes that looks like a chat event's JSON.
    static func payload(_ index: Int, size: Int) -> [UInt8] {
        var text = "{\"room\":\"r\(index % 1000)\",\"author\":\"u\(index % 500)\",\"text\":\""
        let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        while text.utf8.count < size - 2 { text += filler }
        var bytes = Array(text.utf8.prefix(size - 2))
        bytes += Array("\"}".utf8)
        return bytes
    }
}

/// Incompressible test bytes, fast: SplitMix64 seeded once from the system. The system
/// generator makes a syscall per word here (20 MB/s: a 1 GiB file took nearly a minute).
struct FastRandom {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                var word = next()
                let step = min(8, raw.count - offset)
                withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: step) }
                offset += step
            }
        }
        return bytes
    }
}
