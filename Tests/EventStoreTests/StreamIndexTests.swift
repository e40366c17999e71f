import EventStore
import Foundation
import Testing

/// The stream index is written behind the log (ADR 002); reads merge it with the backlog. These
/// tests compare every stream read with a model built from the log itself.
@Suite("Stream index")
struct StreamIndexTests {
    /// Each stream's positions in version order, from a full scan of the log.
    static func model(_ store: LMDBEventStore) throws -> [String: [UInt64]] {
        var streams: [String: [UInt64]] = [:]
        try store.scan { event in
            streams[event.stream, default: []].append(event.position)
            #expect(UInt64(streams[event.stream]!.count) == event.streamVersion)
            return true
        }
        return streams
    }

    /// Reads every stream forwards and backwards in pages of several sizes and compares.
    static func checkReads(_ store: LMDBEventStore, _ model: [String: [UInt64]], pages: [Int] = [1, 3, 50]) throws {
        for (stream, positions) in model {
            #expect(try store.streamVersion(stream) == UInt64(positions.count))
            for page in pages {
                var forward: [UInt64] = []
                var next: UInt64 = 1
                while true {
                    let chunk = try store.streamRecords(stream, from: next, direction: .forward, limit: page)
                    forward += chunk.map(\.position)
                    guard let last = chunk.last, chunk.count == page else { break }
                    next = last.streamVersion + 1
                }
                #expect(forward == positions, "\(stream) forward by \(page)")
                var backward: [UInt64] = []
                var from: UInt64? = nil
                while true {
                    let chunk = try store.streamRecords(stream, from: from, direction: .backward, limit: page)
                    backward += chunk.map(\.position)
                    guard let last = chunk.last, chunk.count == page, last.streamVersion > 1 else { break }
                    from = last.streamVersion - 1
                }
                #expect(backward == positions.reversed(), "\(stream) backward by \(page)")
            }
        }
    }

    @Test func readsMergeTheIndexAndTheBacklogAtEveryMoment() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // A short lag and few streams per commit, so that entries sit in the backlog and get
        // written piecemeal all through the test.
        let store = try dir.store { $0.indexLag = 40; $0.indexHotCount = 12; $0.indexStreamsPerCommit = 2 }
        var generator = SystemRandomNumberGenerator()
        for round in 0..<12 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for index in 0..<20 {
                            let count = (writer + index) % 3 + 1
                            let events = (0..<count).map { offset in
                                event("stream-\((writer * 7 + index * 3 + offset) % 23)", "\(round)/\(writer)/\(index)")
                            }
                            try await store.append(events)
                        }
                    }
                }
                try await group.waitForAll()
            }
            if Int.random(in: 0..<3, using: &generator) == 0 { try await Task.sleep(for: .milliseconds(80)) }
            try Self.checkReads(store, try Self.model(store))
        }
        #expect(try store.verifyLog().isIntact)
        // After a restart, the backlog is written out at close and everything reads the same.
        let model = try Self.model(store)
        store.close()
        let reopened = try dir.store()
        defer { reopened.close() }
        try Self.checkReads(reopened, model)
    }

    @Test func expectedVersionsSeeEventsStillInTheBacklog() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store { $0.indexLag = 1_000_000; $0.indexHotCount = 1_000_000 }
        for index in 1...5 {
            try await store.append(
                [event("user-1", "\(index)")], conditions: [.init(stream: "user-1", expected: .exactly(UInt64(index - 1)))])
        }
        #expect(try store.streamVersion("user-1") == 5)
        store.close()
        // The close wrote the backlog; a new writer knows the stream's version from the index.
        let reopened = try dir.store()
        let error = await storeError {
            try await reopened.append([event("user-1", "x")], conditions: [.init(stream: "user-1", expected: .exactly(4))])
        }
        #expect(error?.code == .wrongExpectedVersion)
        try await reopened.append([event("user-1", "6")], conditions: [.init(stream: "user-1", expected: .exactly(5))])
    }
}
