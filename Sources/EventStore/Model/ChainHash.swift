/// A SHA-256 digest: the hash of one record in the chain.
///
/// Stored inline (four words) so that decoding millions of records allocates nothing for it.
public struct ChainHash: Hashable, Sendable, CustomStringConvertible {
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The hash that precedes position 1: 32 zero bytes.
    public static let genesis = ChainHash(w0: 0, w1: 0, w2: 0, w3: 0)

    private init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Reads 32 bytes; `bytes` must hold at least 32.
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= 32)
        w0 = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = Self.nibble(digits[2 * index]), let low = Self.nibble(digits[2 * index + 1]) else {
                return nil
            }
            bytes[index] = high << 4 | low
        }
        self = bytes.withUnsafeBytes { ChainHash(bytes: $0) }
    }

    /// Calls `body` with the 32 bytes of the digest.
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var copy = self
        return try Swift.withUnsafeBytes(of: &copy) { try body($0) }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lower-case hexadecimal, 64 digits.
    public var hex: String {
        let alphabet = Array("0123456789abcdef".utf8)
        return withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: 64) { out in
                for (index, byte) in raw.enumerated() {
                    out[2 * index] = alphabet[Int(byte >> 4)]
                    out[2 * index + 1] = alphabet[Int(byte & 0x0F)]
                }
                return 64
            }
        }
    }

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
