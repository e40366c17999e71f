import EventStore
import Foundation
import Testing

@Suite("Append and read")
struct AppendReadTests {
    @Test func appendsGetGaplessPositionsAndSurviveReopen() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try dir.store()
            let first = try await store.append([event("room-a", "hello"), event("room-a", "world")])
            #expect(first.firstPosition == 1 && first.lastPosition == 2)
            let second = try await store.append([event("room-b", "other")])
            #expect(second.firstPosition == 3)
            #expect(second.timestamp >= first.timestamp)
            store.close()
        }
        let store = try dir.store()
        let all = try await store.read(from: 1, limit: 100)
        #expect(all.map(\.position) == [1, 2, 3])
        #expect(all.map(\.text) == ["hello", "world", "other"])
        #expect(all.map(\.streamVersion) == [1, 2, 1])
        #expect(all[0].actor == "alice" && all[0].type == 1 && all[0].schemaVersion == 1)
        let head = try await store.head()
        #expect(head.position == 3 && head.hash == all[2].hash)
        // Appends after reopening continue the chain.
        let next = try await store.append([event("room-a", "again")])
        #expect(next.firstPosition == 4)
        #expect(try store.streamVersion("room-a") == 3)
        #expect(try await store.verify(from: 1, to: nil).isIntact)
    }

    @Test func readFromTheMiddleWithALimit() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        for index in 1...50 { try await store.append([event("s", "e\(index)")]) }
        let page = try await store.read(from: 20, limit: 5)
        #expect(page.map(\.position) == [20, 21, 22, 23, 24])
        #expect(try await store.read(from: 51, limit: 5).isEmpty)
        #expect(try await store.read(from: 0, limit: 1).first?.position == 1)
    }

    @Test func scansFilterByTypeAcrossChunksAndStopWhenAsked() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        // Type 2 every seventh event: chunks of 10 records hold one or two of them, or none.
        try await store.append((1...100).map { event("s", "e\($0)", type: $0 % 7 == 0 ? 2 : 1) })
        var seen: [UInt64] = []
        try store.scan(from: 3, through: 90, types: [2], chunk: 10) { seen.append($0.position); return true }
        #expect(seen == Array(stride(from: 7, through: 84, by: 7)))
        seen = []
        try store.scan(types: [2], chunk: 10) { seen.append($0.position); return seen.count < 3 }
        #expect(seen == [7, 14, 21])
        var all = 0
        try store.scan(verifyingChain: true, types: [1, 2], chunk: 10) { _ in all += 1; return true }
        #expect(all == 100)
    }

    @Test func streamsReadForwardAndBackwardWithPaging() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        for index in 1...30 {
            try await store.append([event(index.isMultiple(of: 3) ? "room-b" : "room-a", "m\(index)")])
        }
        // A stream whose name is a prefix of another must not see the other's events.
        try await store.append([event("room", "short name")])
        let forward = try await store.readStream("room-b", from: nil, direction: .forward, limit: 4)
        #expect(forward.map(\.text) == ["m3", "m6", "m9", "m12"])
        #expect(forward.map(\.streamVersion) == [1, 2, 3, 4])
        let next = try await store.readStream("room-b", from: 5, direction: .forward, limit: 100)
        #expect(next.map(\.text) == ["m15", "m18", "m21", "m24", "m27", "m30"])
        let latest = try await store.readStream("room-a", from: nil, direction: .backward, limit: 3)
        #expect(latest.map(\.text) == ["m29", "m28", "m26"])
        let older = try await store.readStream("room-a", from: latest.last!.streamVersion - 1, direction: .backward, limit: 2)
        #expect(older.map(\.text) == ["m25", "m23"])
        #expect(try await store.readStream("room", from: nil, direction: .backward, limit: 10).map(\.text) == ["short name"])
        #expect(try await store.readStream("nothing", from: nil, direction: .forward, limit: 10).isEmpty)
        #expect(try await store.readStream("nothing", from: nil, direction: .backward, limit: 10).isEmpty)
        // The last stream in key order, read backwards from the end of the index.
        try await store.append([event("zzz", "last")])
        #expect(try await store.readStream("zzz", from: nil, direction: .backward, limit: 1).map(\.text) == ["last"])
    }

    @Test func expectedVersionsGuardStreams() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        try await store.append([event("user-1", "created")], conditions: [.init(stream: "user-1", expected: .noStream)])
        let duplicate = await storeError {
            try await store.append([event("user-1", "created again")], conditions: [.init(stream: "user-1", expected: .noStream)])
        }
        #expect(duplicate?.code == .wrongExpectedVersion)
        try await store.append([event("user-1", "renamed")], conditions: [.init(stream: "user-1", expected: .exactly(1))])
        let stale = await storeError {
            try await store.append([event("user-1", "stale")], conditions: [.init(stream: "user-1", expected: .exactly(1))])
        }
        #expect(stale?.code == .wrongExpectedVersion)
        #expect(stale?.detail.contains("version 2") == true)
        // Nothing of a refused append was written.
        #expect(try await store.head().position == 2)
        #expect(try await store.verify(from: 1, to: nil).isIntact)
    }

    @Test func concurrentConditionalAppendsLetExactlyOneWin() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask {
                    (try? await store.append(
                        [event("claim", "by \(index)")], conditions: [.init(stream: "claim", expected: .noStream)])) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try store.streamVersion("claim") == 1)
    }

    @Test func concurrentAppendersAreAllDurableAndGapless() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        let writers = 64, each = 50
        let positions = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var mine: [UInt64] = []
                    for index in 0..<each {
                        let result = try await store.append([event("w\(writer)", "\(writer):\(index)")])
                        mine.append(result.firstPosition)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        #expect(positions.sorted() == Array(1...UInt64(writers * each)))
        // Each writer's events are in its stream in the order it appended them.
        let stream = try await store.readStream("w7", from: nil, direction: .forward, limit: 1000)
        #expect(stream.map(\.text) == (0..<each).map { "7:\($0)" })
        #expect(try await store.verify(from: 1, to: nil).checked == UInt64(writers * each))
    }

    @Test func timestampsNeverDecreaseAndTimeSearchFindsTheFirstAtOrAfter() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        var stamps: [Timestamp] = []
        for index in 0..<40 {
            stamps.append(try await store.append([event("s", "\(index)")]).timestamp)
            if index % 10 == 9 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(stamps == stamps.sorted())
        #expect(try await store.firstPosition(atOrAfter: Timestamp(microseconds: 0)) == 1)
        #expect(try await store.firstPosition(atOrAfter: Timestamp(microseconds: stamps[39].microseconds + 1)) == nil)
        for probe in [0, 9, 10, 25, 39] {
            let found = try #require(try await store.firstPosition(atOrAfter: stamps[probe]))
            // The first position whose stamp is >= the probe's stamp.
            let expected = UInt64(stamps.firstIndex { $0 >= stamps[probe] }! + 1)
            #expect(found == expected)
        }
        let empty = TemporaryDirectory()
        defer { empty.remove() }
        #expect(try await empty.store().firstPosition(atOrAfter: Timestamp(microseconds: 0)) == nil)
    }

    @Test func largePayloadsAreCompressedAndReadBackIdentical() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store { $0.compressionThreshold = 256 }
        let repetitive = [UInt8](String(repeating: "the same line again\n", count: 500).utf8)
        var random = [UInt8](repeating: 0, count: 4000)
        for index in random.indices { random[index] = UInt8.random(in: 0...255) }
        try await store.append([NewEvent(stream: "files", type: 2, actor: "bob", payload: repetitive)])
        try await store.append([NewEvent(stream: "files", type: 2, actor: "bob", payload: random)])
        try await store.append([NewEvent(stream: "files", type: 2, actor: "bob", payload: [])])
        let back = try await store.read(from: 1, limit: 3)
        #expect(back[0].payload == repetitive)
        #expect(back[1].payload == random)
        #expect(back[2].payload.isEmpty)
        #expect(try await store.verify(from: 1, to: nil).isIntact)
        store.close()
        // On disk, the repetitive payload is stored compressed; random bytes, which do not
        // compress, are stored as they are.
        let raw = try RawLMDB(dir.path)
        defer { raw.close() }
        let compressed = try #require(raw.record(1))
        #expect(compressed[1] & 1 == 1)
        #expect(compressed.count < repetitive.count / 10)
        let plain = try #require(raw.record(2))
        #expect(plain[1] & 1 == 0)
        #expect(plain.count > random.count)
    }

    @Test func invalidEventsAreRefusedBeforeWriting() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store { $0.maxPayloadBytes = 1000 }
        let cases: [[NewEvent]] = [
            [],
            [event("", "no stream")],
            [event("bad\u{0}stream", "nul")],
            [event(String(repeating: "s", count: 600), "long stream")],
            [NewEvent(stream: "s", type: 1, actor: "a", payload: [UInt8](repeating: 1, count: 1001))],
        ]
        for events in cases {
            let error = await storeError { try await store.append(events) }
            #expect(error?.code == .invalidEvent)
        }
        #expect(try await store.head().position == 0)
    }

    @Test func correlationAndCausationAreKept() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        let correlation = UUID()
        let cause = UUID()
        try await store.append([NewEvent(stream: "s", type: 7, schemaVersion: 3, actor: "bot", correlationID: correlation,
                                         causationID: cause, payload: [1, 2, 3])])
        let back = try #require(try store.record(at: 1))
        #expect(back.correlationID == correlation && back.causationID == cause)
        #expect(back.type == 7 && back.schemaVersion == 3 && back.actor == "bot" && back.payload == [1, 2, 3])
    }
}
