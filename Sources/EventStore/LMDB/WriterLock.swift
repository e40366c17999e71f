#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An exclusive lock that makes one process at a time the store's writer.
///
/// `flock` on `writer.lock`, held for the life of the store and released by the kernel even on
/// SIGKILL, so a crash never leaves a stale lock. The file records who holds it, so that a second
/// writer is refused with the holder's pid and command rather than a bare "busy".
final class WriterLock: Sendable {
    private let descriptor: Mutex<Int32?>

    init(directory: String) throws(EventStoreError) {
        let path = directory + "/writer.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw EventStoreError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.readHolder(fd)
            close(fd)
            throw EventStoreError(.locked, "the store in \(directory) is already open for writing by \(holder)")
        }
        let me = "pid \(getpid()) (\(Self.commandLine()))\n"
        ftruncate(fd, 0)
        _ = me.withCString { pwrite(fd, $0, strlen($0), 0) }
        descriptor = Mutex(fd)
    }

    deinit {
        release()
    }

    /// Gives the store up for writing; idempotent.
    func release() {
        descriptor.withLock { descriptor in
            guard let fd = descriptor else { return }
            ftruncate(fd, 0)
            flock(fd, LOCK_UN)
            close(fd)
            descriptor = nil
        }
    }

    private static func readHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        let trimmed = text.split(separator: "\n").first.map(String.init) ?? ""
        return trimmed.isEmpty ? "another process" : trimmed
    }

    private static func commandLine() -> String {
        CommandLine.arguments.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
            .prefix(3).joined(separator: " ")
    }
}
