import EventStore
import Foundation
import Logging
import Testing

@Suite("Robustness")
struct RobustnessTests {
    @Test func aFullMapGrowsAndAppendsCarryOn() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store { $0.initialMapSize = 64 << 10 }
        let initial = store.mapSize
        let payload = [UInt8](repeating: 7, count: 700)
        for index in 0..<600 {
            try await store.append([NewEvent(stream: "s\(index % 5)", type: 1, actor: "a", payload: payload)])
        }
        #expect(store.mapSize > initial)
        #expect(try await store.head().position == 600)
        #expect(try store.verifyLog().checked == 600)
    }

    @Test func theMaximumSizeIsRefusedCleanlyAndNothingAcknowledgedIsLost() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var acknowledged: [UInt64] = []
        do {
            let store = try dir.store { $0.initialMapSize = 64 << 10; $0.maxMapSize = 256 << 10 }
            var refusal: EventStoreError?
            for index in 0..<5000 {
                var payload = [UInt8](repeating: 0, count: 500)
                for i in payload.indices { payload[i] = UInt8.random(in: 0...255) }
                do {
                    let result = try await store.append([NewEvent(stream: "s\(index % 3)", type: 1, actor: "a", payload: payload)])
                    acknowledged.append(result.firstPosition)
                } catch let error as EventStoreError {
                    refusal = error
                    break
                }
            }
            #expect(refusal?.code == .storageFull)
            // Reads still work after the refusal.
            #expect(try store.records(from: 1, limit: 5).count == 5)
            store.close()
        }
        let reopened = try dir.store { $0.initialMapSize = 64 << 10; $0.maxMapSize = 1 << 22 }
        #expect(try reopened.verifyLog().checked == UInt64(acknowledged.count))
        #expect(acknowledged == Array(1...UInt64(acknowledged.count)))
        // With more room the log carries on.
        try await reopened.append([event("s", "after")])
    }

    @Test func aSecondWriterIsRefusedWithTheHoldersName() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = try dir.store()
        do {
            _ = try LMDBEventStore(.init(directory: dir.path), logger: quiet)
            Issue.record("a second writer must be refused")
        } catch {
            #expect(error.code == .locked)
            #expect(error.detail.contains("pid \(getpid())"))
        }
        // Readers are welcome while the writer runs (from another process, as tools do).
        first.close()
        // Once the holder closes, the store opens again.
        let again = try dir.store()
        again.close()
    }

    @Test func aSecondWriterProcessIsRefused() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        defer { store.close() }
        let child = Process()
        child.executableURL = ChildProcess.stressExecutable
        child.arguments = ["append", dir.path, "1"]
        let errors = Pipe()
        child.standardError = errors
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(child.terminationStatus == 1)
        #expect(message.contains("locked") && message.contains("pid \(getpid())"))
    }

    @Test func staleReaderSlotsOfDeadProcessesAreCleared() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try dir.store()
            try await store.append([event("s", "x")])
            store.close()
        }
        func startReader() async throws -> ChildProcess.Running {
            let reader = try ChildProcess.Running(["hold-reader", dir.path])
            for _ in 0..<200 where !reader.output.contains("ready") { try await Task.sleep(for: .milliseconds(20)) }
            #expect(reader.output.contains("ready"))
            return reader
        }
        // A live reader keeps the lock table in use (the last process out resets it), and a
        // reader killed in the middle of a transaction leaves its slot behind.
        let alive = try await startReader()
        defer { _ = alive.kill() }
        _ = try await startReader().kill()
        let store = try dir.store()
        defer { store.close() }
        #expect(store.staleReadersCleared == 1)
        // The same while the store is open, as the server does periodically.
        _ = try await startReader().kill()
        #expect(store.clearStaleReaders() == 1)
        #expect(store.clearStaleReaders() == 0)
    }
}

/// The disk filling up, on a real (tiny) filesystem: needs permission to mount a tmpfs.
@Suite("Disk full", .serialized, .enabled(if: SmallDisk.canMount))
struct DiskFullTests {
    @Test func aFullDiskRefusesAppendsAndLosesNothingAcknowledged() async throws {
        let disk = try SmallDisk(megabytes: 2)
        defer { disk.unmount() }
        var acknowledged = 0
        var refusal: EventStoreError?
        do {
            let store = try LMDBEventStore(.init(directory: disk.path + "/store", initialMapSize: 1 << 20), logger: quiet)
            for index in 0..<2000 {
                var payload = [UInt8](repeating: 0, count: 2000)
                for i in payload.indices { payload[i] = UInt8.random(in: 0...255) }
                do {
                    try await store.append([NewEvent(stream: "s\(index % 3)", type: 1, actor: "a", payload: payload)])
                    acknowledged += 1
                } catch let error as EventStoreError {
                    refusal = error
                    break
                }
            }
            store.close()
        }
        #expect(refusal?.code == .diskFull)
        #expect(acknowledged > 100)
        let store = try LMDBEventStore(.init(directory: disk.path + "/store", readOnly: true), logger: quiet)
        defer { store.close() }
        let report = try store.verifyLog()
        #expect(report.isIntact)
        #expect(report.checked == UInt64(acknowledged))
    }
}

/// A tmpfs of a few megabytes mounted under /tmp.
struct SmallDisk {
    let path: String

    static let canMount: Bool = {
        guard let disk = try? SmallDisk(megabytes: 1) else { return false }
        disk.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        path = TemporaryDirectory("disk").path
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    func unmount() {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [path]
        try? umount.run()
        umount.waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The stream index written while the log is idle needs room too: a full map grows then, as it
/// does for a commit of events, instead of the flush failing until the next append.
@Suite("Robustness: index flush")
struct IndexFlushGrowthTests {
    @Test func anIdleIndexFlushThatFindsTheMapFullGrowsIt() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = LogCapture()
        var logger = Logger(label: "test") { _ in log }
        logger.logLevel = .notice
        // Every event in a stream of its own, with a long name, and nothing indexed while
        // appending: the idle flush then writes as many index entries as there are events.
        let configuration = LMDBEventStore.Configuration(
            directory: dir.path, initialMapSize: 64 << 10, indexLag: .max / 2, indexHotCount: .max)
        let store = try LMDBEventStore(configuration, logger: logger)
        defer { store.close() }
        // One append (no pause in which the writer could flush early) of 1,300 such events: the
        // map grows three times for it (64 KiB → 512 KiB) and is then 93 % full, so the index
        // entries (nearly as large as the records: the stream name is most of both) cannot fit
        // in what is left, and the flush that follows after 50 ms of quiet must grow it again.
        let name = String(repeating: "s", count: 200)
        try await store.append((0..<1300).map { NewEvent(stream: "\(name)-\($0)", type: 1, actor: "a", payload: [1]) })
        try await Task.sleep(for: .milliseconds(1500))
        #expect(log.count { $0.contains("could not write the stream index") } == 0)
        #expect(log.count { $0.contains("growing it") } == 4, "three growths for the append, one for the index")
        #expect(store.mapSize == 1 << 20)
        #expect(try store.verifyLog().problem == nil)
    }
}

/// Collects log messages (a test's own log handler).
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { messages.append(event.message.description) }
    }

    func count(_ matching: (String) -> Bool) -> Int {
        lock.withLock { messages.filter(matching).count }
    }
}
