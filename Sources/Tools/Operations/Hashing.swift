import COpenSSL

/// Streaming SHA-256 (OpenSSL), for backup and export files.
public struct SHA256Hasher: Sendable {
    private var context = SHA256_CTX()

    public init() {
        causerie_sha256_init(&context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        causerie_sha256_update(&context, base, bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest as 64 lower-case hexadecimal digits.
    public mutating func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        causerie_sha256_final(&context, &digest)
        return digest.hex
    }

    public mutating func finalizeBytes() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        causerie_sha256_final(&context, &digest)
        return digest
    }
}

extension Array where Element == UInt8 {
    var hex: String {
        let alphabet = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(alphabet[Int(byte >> 4)])
            out.append(alphabet[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
