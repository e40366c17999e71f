import Projections
import Testing

@Suite("Order keys")
struct OrderKeyTests {
    @Test func aKeyBetweenTwoKeysSortsBetweenThem() throws {
        // Random inserts into one list, checked against the list's order each time.
        var generator = SplitMix(seed: 42)
        var keys: [OrderKey] = [.first]
        for _ in 0..<5_000 {
            let index = Int(generator.next() % UInt64(keys.count + 1))
            let low = index > 0 ? keys[index - 1] : nil
            let high = index < keys.count ? keys[index] : nil
            let key = try #require(OrderKey.between(low, high))
            if let low { #expect(low < key) }
            if let high { #expect(key < high) }
            keys.insert(key, at: index)
        }
        #expect(keys == keys.sorted())
        #expect(Set(keys).count == keys.count)
        // Every key made is one the checker accepts (what comes back from clients).
        for key in keys { #expect(OrderKey(key.rawValue) == key) }
    }

    @Test func appendingAndPrependingKeepKeysShort() throws {
        let appended = OrderKey.sequence(10_000)
        #expect(appended.count == 10_000)
        #expect(appended == appended.sorted())
        #expect(appended.map(\.rawValue.count).max()! <= 4)
        var first = OrderKey.first
        for _ in 0..<10_000 { first = try #require(OrderKey.between(nil, first)) }
        #expect(first.rawValue.count <= 4)
    }

    @Test func insertingAtOneSpotGrowsSlowlyAndStopsAtTheCap() {
        // Always between the first key and its new neighbour: the worst case.
        var low = OrderKey.first
        var high = OrderKey.between(low, nil)!
        var count = 0
        while let key = OrderKey.between(low, high) {
            high = key
            count += 1
            if count > 10_000 { break }
        }
        // About six inserts per character, so the 64-character cap allows a few hundred.
        #expect(count > 300 && count < 10_000)
        low = high
        #expect(OrderKey.between(low, low) == nil)
    }

    @Test func whatIsNotAKeyIsRefused() {
        for bad in ["", "a", "b0", "a0 ", "a00", "é0", "a0-", "A00000000000000000000000000", String(repeating: "z", count: 65), "0a"] {
            #expect(OrderKey(bad) == nil, "\(bad)")
        }
        for good in ["a0", "a1V", "Zz", "b00", "a0V1"] { #expect(OrderKey(good) != nil, "\(good)") }
        #expect(OrderKey.between(OrderKey("a1")!, OrderKey("a0")!) == nil)
    }
}

/// SplitMix64: deterministic pseudo-random numbers for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
