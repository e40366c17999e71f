import COpenSSL
import Dispatch
import Foundation
import Operations

/// Password hashing with scrypt (memory-hard), from OpenSSL.
///
/// Stored as `scrypt$N$r$p$salt$hash` (base64), so that parameters can be raised later while old
/// hashes still verify. Hashing runs on its own queue, at most `concurrency` at a time: each takes
/// N × r × 128 bytes (32 MiB by default) and ~100 ms of CPU, and must not block Swift's
/// cooperative threads.
public struct PasswordHasher: Sendable {
    public struct Parameters: Sendable, Hashable {
        /// CPU/memory cost, a power of two.
        public var n: UInt64
        public var r: UInt64
        public var p: UInt64

        public init(n: UInt64 = 1 << 15, r: UInt64 = 8, p: UInt64 = 1) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// Cheap parameters for tests only.
        public static let testing = Parameters(n: 1 << 10, r: 8, p: 1)
    }

    public let parameters: Parameters
    private let queue: DispatchQueue
    private let slots: DispatchSemaphore

    public init(parameters: Parameters = .init(), concurrency: Int = 2) {
        self.parameters = parameters
        queue = DispatchQueue(label: "causerie.passwords", attributes: .concurrent)
        slots = DispatchSemaphore(value: concurrency)
    }

    /// A new hash of `password` with a random salt.
    public func hash(_ password: String) async -> String {
        await run { Self.hashNow(password, parameters: parameters) }
    }

    /// Whether `password` matches `stored` (constant-time comparison). False for malformed hashes.
    public func verify(_ password: String, against stored: String) async -> Bool {
        await run { Self.verifyNow(password, against: stored) }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { [slots] in
                slots.wait()
                defer { slots.signal() }
                continuation.resume(returning: work())
            }
        }
    }

    static func hashNow(_ password: String, parameters: Parameters) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        SecureRandom.fill(&salt)
        let key = derive(password, salt: salt, n: parameters.n, r: parameters.r, p: parameters.p) ?? []
        return "scrypt$\(parameters.n)$\(parameters.r)$\(parameters.p)$\(Data(salt).base64EncodedString())$"
            + Data(key).base64EncodedString()
    }

    static func verifyNow(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let n = UInt64(parts[1]), let r = UInt64(parts[2]),
              let p = UInt64(parts[3]), n <= 1 << 20, r <= 32, p <= 16,
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
              expected.count == 32,
              let key = derive(password, salt: Array(salt), n: n, r: r, p: p)
        else { return false }
        return key.withUnsafeBytes { a in
            expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) == 0 }
        }
    }

    private static func derive(_ password: String, salt: [UInt8], n: UInt64, r: UInt64, p: UInt64) -> [UInt8]? {
        var key = [UInt8](repeating: 0, count: 32)
        let secret = Array(password.utf8)
        let memory = n * r * 128 + 1 << 20
        let status = secret.withUnsafeBufferPointer { pass in
            salt.withUnsafeBufferPointer { saltBytes in
                key.withUnsafeMutableBufferPointer { out in
                    pass.withMemoryRebound(to: CChar.self) { passChars in
                        EVP_PBE_scrypt(passChars.baseAddress, pass.count, saltBytes.baseAddress, saltBytes.count,
                                       n, r, p, memory, out.baseAddress, 32)
                    }
                }
            }
        }
        return status == 1 ? key : nil
    }
}

/// Random bytes from the operating system (getrandom), for tokens, salts and passwords.
public enum SecureRandom {
    public static func fill(_ bytes: inout [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
    }

    public static func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        fill(&result)
        return result
    }

    /// `count` characters from an alphabet without look-alikes (no 0/O, 1/l/I).
    public static func readable(_ count: Int) -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// A new identifier with a prefix: "u" users, "r" rooms, "g" groups, "c" connections.
    public static func identifier(_ prefix: String) -> String {
        prefix + readable(12)
    }

    /// A session token (256 bits, base64url) and the SHA-256 hex under which it is stored.
    public static func token() -> (token: String, hash: String) {
        let token = Base64URL.encode(bytes(32))
        return (token, tokenHash(token))
    }

    /// Every authenticated request hashes its token: hex by table, not String(format:), which
    /// was 3 % of a small upload's CPU.
    public static func tokenHash(_ token: String) -> String {
        var hasher = SHA256Hasher()
        hasher.update(Array(token.utf8))
        return hasher.finalize()
    }
}

extension PasswordHasher {
    /// A cheap hash for generated test data and benchmarks (never for real accounts).
    public static func hashNowForFixtures(_ password: String) -> String {
        hashNow(password, parameters: .testing)
    }
}
