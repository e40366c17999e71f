import EventStore
import Foundation
import Testing

@Suite("Subscriptions")
struct SubscriptionTests {
    /// Collects `count` events from a subscription.
    static func collect(_ subscription: EventSubscription, count: Int, pause: Duration? = nil) async throws -> [UInt64] {
        var positions: [UInt64] = []
        for try await event in subscription {
            positions.append(event.position)
            if positions.count == count { break }
            if let pause { try await Task.sleep(for: pause) }
        }
        return positions
    }

    @Test func catchesUpFromDiskThenDeliversLiveEvents() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        for index in 1...10 { try await store.append([event("s", "\(index)")]) }
        let reader = Task { try await Self.collect(store.subscribe(from: 4), count: 17) }
        try await Task.sleep(for: .milliseconds(50))
        for index in 11...20 { try await store.append([event("s", "\(index)")]) }
        #expect(try await reader.value == Array(4...20))
    }

    @Test func aSubscriberStartingInTheMiddleOfABurstMissesNothingAndRepeatsNothing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        let writers = 16, each = 150, total = writers * each
        let burst = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<each { try await store.append([event("w\(writer)", "\(index)")]) }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Join while the burst is running, at different points, some from the start, some from the head.
        var readers: [(from: UInt64, task: Task<[UInt64], any Error>)] = []
        for round in 0..<6 {
            try await Task.sleep(for: .milliseconds(15))
            let head = try await store.head().position
            let from = round.isMultiple(of: 2) ? 1 : head + 1
            readers.append((from, Task { try await Self.collect(store.subscribe(from: from), count: total - Int(from) + 1) }))
        }
        try await burst.value
        for (from, task) in readers {
            #expect(try await task.value == Array(from...UInt64(total)), "subscriber from \(from)")
        }
    }

    @Test func aSlowSubscriberDoesNotBlockTheWriterAndStillGetsEverything() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store { $0.subscriberBuffer = 8 }
        let slow = Task { try await Self.collect(store.subscribe(from: 1), count: 300, pause: .milliseconds(1)) }
        let fast = Task { try await Self.collect(store.subscribe(from: 1), count: 300) }
        try await Task.sleep(for: .milliseconds(20))
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<10 {
                group.addTask { for index in 0..<30 { try await store.append([event("w\(writer)", "\(index)")]) } }
            }
            try await group.waitForAll()
        }
        let writing = clock.now - started
        // The slow reader needs at least 300 ms; the writer must not have waited for it.
        let slowPositions = try await slow.value
        let reading = clock.now - started
        #expect(writing < reading)
        #expect(slowPositions == Array(1...300))
        #expect(try await fast.value == Array(1...300))
    }

    @Test func cancellingEndsASubscriptionAndClosingEndsThemAll() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        try await store.append([event("s", "one")])
        let cancelled = Task { try await Self.collect(store.subscribe(from: 1), count: 100) }
        try await Task.sleep(for: .milliseconds(30))
        cancelled.cancel()
        #expect(try await cancelled.value == [1])
        let waiting = Task { try await Self.collect(store.subscribe(from: 1), count: 100) }
        try await Task.sleep(for: .milliseconds(30))
        store.close()
        #expect(try await waiting.value == [1])
    }
}
