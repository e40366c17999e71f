import Crypto
import Foundation

/// Files only the server's user may read (keys): written to a new file with their final
/// permissions from the start (never, even for an instant, readable by others), synced, then
/// renamed over the old one.
enum PrivateFile {
    /// Why a write failed, in words (the callers wrap it in their own error).
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/.\((path as NSString).lastPathComponent).\(UUID().uuidString)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): \(reason)")
            }
            written += count
        }
        fchmod(descriptor, mode)
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(reason)")
        }
    }

    /// A 32-byte key this server signs with, made (random, 0600) on first use. `losing` says
    /// what stops working if the file is removed to make a new one.
    static func key(_ path: String, losing: String) throws(Failure) -> SymmetricKey {
        if let bytes = FileManager.default.contents(atPath: path) {
            guard bytes.count == 32 else { throw Failure(description: "\(path) is not a 32-byte key: remove it to make a new one (\(losing))") }
            return SymmetricKey(data: bytes)
        }
        let key = SymmetricKey(size: .bits256)
        try write(path, key.withUnsafeBytes { Array($0) })
        return key
    }
}
