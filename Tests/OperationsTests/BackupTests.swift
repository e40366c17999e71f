import EventStore
import Fixtures
import Foundation
import Operations
import Projections
import Testing

@Suite("Backup and restore", .serialized)
struct BackupTests {
    /// Posts continuously to the store until stopped.
    final class Load: @unchecked Sendable {
        private var stop = false
        private let lock = NSLock()
        var stopped: Bool {
            lock.lock()
            defer { lock.unlock() }
            return stop
        }
        func halt() {
            lock.lock()
            stop = true
            lock.unlock()
        }
    }

    static func seeded(_ dir: Scratch, messages: Int = 300) throws -> Fixture {
        let fixture = try Fixture(directory: dir.file("data"))
        try fixture.initialize(passwordHash: "x")
        try fixture.addUsers(8, passwordHash: "x")
        for index in 0..<messages {
            try fixture.run(PostMessage(room: .main, clientID: "s\(index)", text: "seed \(index) " + String(repeating: "·", count: index % 40)),
                            by: Fixture.user(index % 8))
        }
        try fixture.flushSync()
        return fixture
    }

    static func startLoad(_ store: LMDBEventStore, _ load: Load) -> Task<Int, any Error> {
        Task {
            var count = 0
            try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var mine = 0
                        while !load.stopped {
                            let event = DomainEvent.messagePosted(.init(clientID: "w\(writer)-\(mine)", text: "load \(mine)",
                                                                        replyTo: nil, mentions: []))
                            try await store.append([NewEvent(stream: Streams.room(.main), type: event.tag,
                                                             actor: Fixture.user(writer).rawValue, payload: event.encodedPayload())])
                            mine += 1
                        }
                        return mine
                    }
                }
                for try await part in group { count += part }
            }
            return count
        }
    }

    @Test func aBackupTakenUnderLoadRestoresToTheSameHeadAndViews() async throws {
        let dir = Scratch("backup")
        defer { dir.remove() }
        let fixture = try Self.seeded(dir)
        let store = fixture.store
        let load = Load()
        let writers = Self.startLoad(store, load)
        try await Task.sleep(for: .milliseconds(200))
        let full = try Backups.full(store, to: dir.file("full.cbk"))
        try await Task.sleep(for: .milliseconds(200))
        let increment = try Backups.incremental(store, since: dir.file("full.cbk"), to: dir.file("inc1.cbk"))
        load.halt()
        let appended = try await writers.value
        #expect(appended > 0)
        #expect(increment.since == full.head && increment.head.position > full.head.position)
        #expect(try Backups.verify(dir.file("full.cbk")).records == full.head.position)
        #expect(try Backups.verify(dir.file("inc1.cbk")).records == increment.head.position - full.head.position)

        // Restore the full backup alone, then full + increment: same heads, same views as the
        // original log folded to the same positions.
        let restoredFull = try Backups.restore([dir.file("full.cbk")], into: dir.file("restored-full"))
        #expect(restoredFull.head == full.head)
        let restored = try Backups.restore([dir.file("full.cbk"), dir.file("inc1.cbk")], into: dir.file("restored"))
        #expect(restored.head == increment.head)
        let copy = try LMDBEventStore(.init(directory: dir.file("restored"), readOnly: true), logger: quietLogger)
        defer { copy.close() }
        #expect(try copy.currentHead() == increment.head)
        #expect(try views(copy) == views(store, through: increment.head.position))
        let copyFull = try LMDBEventStore(.init(directory: dir.file("restored-full"), readOnly: true), logger: quietLogger)
        defer { copyFull.close() }
        #expect(try views(copyFull) == views(store, through: full.head.position))
        // Streams read the same after a restore (the stream index came along).
        let again = try copy.streamRecords(Streams.room(.main), from: nil, direction: .backward, limit: 20)
        #expect(again.count == 20)
        for record in again { #expect(try store.record(at: record.position) == record) }
        try fixture.close()
    }

    @Test func restoreRefusesAnOccupiedDirectoryAndIncrementsOutOfOrder() throws {
        let dir = Scratch("refuse")
        defer { dir.remove() }
        let fixture = try Self.seeded(dir, messages: 20)
        _ = try Backups.full(fixture.store, to: dir.file("a.cbk"))
        try fixture.run(PostMessage(room: .main, clientID: "x1", text: "more"), by: Fixture.user(1))
        try fixture.flushSync()
        _ = try Backups.incremental(fixture.store, since: dir.file("a.cbk"), to: dir.file("b.cbk"))
        try fixture.run(PostMessage(room: .main, clientID: "x2", text: "more"), by: Fixture.user(1))
        try fixture.flushSync()
        _ = try Backups.incremental(fixture.store, since: dir.file("b.cbk"), to: dir.file("c.cbk"))
        #expect(throws: OperationError.self) { try Backups.restore([dir.file("a.cbk")], into: dir.file("data")) }
        #expect(throws: OperationError.self) {
            try Backups.restore([dir.file("a.cbk"), dir.file("c.cbk")], into: dir.file("skipped"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("skipped")))
        #expect(throws: OperationError.self) { try Backups.restore([dir.file("b.cbk")], into: dir.file("nofull")) }
        let ok = try Backups.restore([dir.file("a.cbk"), dir.file("b.cbk"), dir.file("c.cbk")], into: dir.file("ok"))
        #expect(ok.head == (try fixture.store.currentHead()))
        try fixture.close()
    }

    @Test func everyCorruptedBackupIsRejectedByVerifyAndRestore() throws {
        let dir = Scratch("corrupt")
        defer { dir.remove() }
        let fixture = try Self.seeded(dir, messages: 400)
        _ = try Backups.full(fixture.store, to: dir.file("good.cbk"))
        try fixture.close()
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("good.cbk"))))
        #expect(good.count > 4096 * 3)
        var generator = SystemRandomNumberGenerator()
        var variants: [(String, [UInt8])] = []
        for index in 0..<10 {
            let cut = Int.random(in: 1..<good.count, using: &generator)
            variants.append(("truncated \(index) at \(cut)", Array(good.prefix(cut))))
        }
        for index in 0..<100 {
            var bytes = good
            let offset = index * (good.count - 1) / 99
            bytes[offset] ^= UInt8.random(in: 1...255, using: &generator)
            variants.append(("flip at \(offset)", bytes))
        }
        var zeroed = good
        let zeroAt = good.count / 3
        zeroed.replaceSubrange(zeroAt..<zeroAt + 4096, with: [UInt8](repeating: 0, count: 4096))
        variants.append(("zeroed block", zeroed))
        for (first, second) in [(1, 2), (0, 3)] {
            let block = good.count / 4
            var swapped = good
            swapped.replaceSubrange(first * block..<(first + 1) * block, with: good[second * block..<(second + 1) * block])
            swapped.replaceSubrange(second * block..<(second + 1) * block, with: good[first * block..<(first + 1) * block])
            variants.append(("swapped blocks \(first)/\(second)", swapped))
        }
        variants.append(("garbage appended", good + Array("trailing garbage".utf8)))
        var detected = 0
        for (index, (name, bytes)) in variants.enumerated() {
            let path = dir.file("bad\(index).cbk")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var rejectedByVerify = false
            var rejectedByRestore = false
            do { _ = try Backups.verify(path) } catch { rejectedByVerify = true }
            let target = dir.file("restore\(index)")
            do { _ = try Backups.restore([path], into: target) } catch { rejectedByRestore = true }
            #expect(rejectedByVerify && rejectedByRestore, "\(name) was accepted")
            #expect(!FileManager.default.fileExists(atPath: target + "/data.mdb"), "\(name) left a restore behind")
            if rejectedByVerify && rejectedByRestore { detected += 1 }
            try? FileManager.default.removeItem(atPath: path)
        }
        print("backup corruption: injected=\(variants.count) detected=\(detected)")
        #expect(variants.count == 114 && detected == 114)
        #expect(try Backups.verify(dir.file("good.cbk")).kind == "full")
    }

    /// What a kill may leave: nothing, or files that fail verification, or — if it came after the
    /// last byte was synced (before the rename, or while the backup was being logged) — a complete
    /// backup: every record from 1 to a head that the log holds. Never an incomplete one that verifies.
    @Test func aBackupKilledMidwayLeavesNoFileThatVerifies() async throws {
        let dir = Scratch("kill")
        defer { dir.remove() }
        let fixture = try Self.seeded(dir, messages: 20_000)
        let seeded = try fixture.store.currentHead().position
        try fixture.close()
        // (Each backup that gets as far as logging itself appends one event: heads move on.)
        var survivors: [(file: String, verified: Backups.Verification)] = []
        var killedMidway = 0
        for attempt in 0..<5 {
            let out = dir.file("kill\(attempt).cbk")
            let process = Process()
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("causerie")
            process.executableURL = FileManager.default.isExecutableFile(atPath: binary.path)
                ? binary : URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent(".build/debug/causerie")
            process.arguments = ["backup", "--data", dir.file("data"), "--out", out]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // From at once (the binary still starting) to 200 ms in: on a fast machine a backup of
            // 20,000 messages was already done at 20 ms in every attempt, and nothing was killed.
            if attempt > 0 { try await Task.sleep(for: .milliseconds(attempt * 50)) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let finished = process.terminationReason == .exit
            if finished {
                #expect(try Backups.verify(out).kind == "full")
            } else {
                killedMidway += 1
                for file in [out, out + ".partial"] where FileManager.default.fileExists(atPath: file) {
                    if let verified = try? Backups.verify(file) { survivors.append((file, verified)) }
                }
            }
        }
        #expect(killedMidway > 0)
        let store = try LMDBEventStore(.init(directory: dir.file("data"), readOnly: true), logger: quietLogger)
        defer { store.close() }
        for (file, verified) in survivors {
            #expect(verified.head.position >= seeded && verified.records == verified.head.position, "\(file) is incomplete")
            #expect(try store.hash(at: verified.head.position) == verified.head.hash, "\(file) is not a snapshot of the log")
        }
    }
}
