import EventStore
import Foundation
import Testing

/// Damage a closed store in each way a disk or an attacker could, and check that verify names the
/// first bad position.
@Suite("Tamper detection")
struct TamperTests {
    /// A store of 100 events in a few streams, closed.
    static func makeStore() async throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("tamper")
        let store = try dir.store()
        for index in 1...100 { try await store.append([event("room-\(index % 4)", "message number \(index)")]) }
        #expect(try store.verifyLog().isIntact)
        store.close()
        return dir
    }

    static func damage(_ dir: TemporaryDirectory, _ change: (RawLMDB) -> Void) throws -> VerificationReport.Problem? {
        let raw = try RawLMDB(dir.path)
        change(raw)
        raw.close()
        let store = try LMDBEventStore(.init(directory: dir.path, readOnly: true), logger: quiet)
        defer { store.close() }
        return try store.verifyLog().problem
    }

    @Test func aFlippedPayloadByteIsReportedAtItsPosition() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        let problem = try Self.damage(dir) { raw in
            var bytes = raw.record(37)!
            bytes[bytes.count - 40] ^= 0x01  // inside the payload
            raw.setRecord(37, bytes)
        }
        #expect(problem?.position == 37)
        #expect(problem?.kind == .hashMismatch)
    }

    @Test func aDeletedRecordIsReportedAtItsPosition() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        let problem = try Self.damage(dir) { $0.deleteRecord(50) }
        #expect(problem?.position == 50)
        #expect(problem?.kind == .missingRecord)
    }

    @Test func swappedRecordsAreReportedAtTheFirst() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        let problem = try Self.damage(dir) { raw in
            let (a, b) = (raw.record(20)!, raw.record(21)!)
            raw.setRecord(20, b)
            raw.setRecord(21, a)
        }
        #expect(problem?.position == 20)
        #expect(problem?.kind == .hashMismatch)
    }

    @Test func aTruncatedRecordIsReportedAtItsPosition() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        let problem = try Self.damage(dir) { raw in
            let bytes = raw.record(60)!
            raw.setRecord(60, Array(bytes.prefix(bytes.count - 10)))
        }
        #expect(problem?.position == 60)
        #expect(problem?.kind == .undecodable)
    }

    @Test func aTruncatedLogIsReportedWhereItStops() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        let problem = try Self.damage(dir) { raw in
            for position in UInt64(90)...100 { raw.deleteRecord(position) }
        }
        #expect(problem?.position == 90)
        #expect(problem?.kind == .truncated)
    }

    @Test func reportsStartFromTheRangeAsked() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        _ = try Self.damage(dir) { raw in
            var bytes = raw.record(80)!
            bytes[bytes.count - 1] ^= 0xFF  // inside the stored hash
            raw.setRecord(80, bytes)
        }
        let store = try LMDBEventStore(.init(directory: dir.path, readOnly: true), logger: quiet)
        defer { store.close() }
        let early = try store.verifyLog(from: 1, to: 70)
        #expect(early.isIntact && early.checked == 70 && early.verifiedHead.position == 70)
        let late = try store.verifyLog(from: 71, to: nil)
        #expect(late.problem?.position == 80)
    }

    @Test func damagedRecordsGiveATypedErrorOnReadNotACrash() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        _ = try Self.damage(dir) { raw in
            raw.setRecord(10, [1, 2, 3])
            var newer = raw.record(11)!
            newer[0] = 9
            raw.setRecord(11, newer)
        }
        let store = try LMDBEventStore(.init(directory: dir.path, readOnly: true), logger: quiet)
        defer { store.close() }
        #expect(throws: EventStoreError.self) { try store.record(at: 10) }
        do {
            _ = try store.record(at: 10)
        } catch {
            #expect(error.code == .corrupt && error.position == 10)
        }
        do {
            _ = try store.record(at: 11)
        } catch {
            #expect(error.code == .unsupportedFormat && error.position == 11)
        }
        do {
            _ = try store.records(from: 5, limit: 20)
            Issue.record("reading over a damaged record must fail")
        } catch {
            #expect(error.position == 10)
        }
        #expect(try store.record(at: 12)?.text == "message number 12")
        let report = try store.verifyLog()
        #expect(report.problem?.position == 10 && report.checked == 9)
    }

    @Test func aStoreOfANewerLayoutIsRefusedClearly() async throws {
        let dir = try await Self.makeStore()
        defer { dir.remove() }
        let raw = try RawLMDB(dir.path)
        raw.setMeta("layout", [2])
        raw.close()
        do {
            _ = try LMDBEventStore(.init(directory: dir.path), logger: quiet)
            Issue.record("a newer layout must be refused")
        } catch {
            #expect(error.code == .unsupportedFormat)
            #expect(error.detail.contains("upgrade"))
        }
    }
}
