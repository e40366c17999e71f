/// The place of a card (or a stage, a lane) in its list, as a string compared byte by byte.
/// A move computes one key between its neighbours' keys, so no move renumbers anyone else, and
/// two people moving at once never conflict: if both land on the same key, the ids break the tie,
/// the same way on every screen (ADR 017).
///
/// Fractional indexing with an integer part of variable length, as David Greenspan described it
/// (and as Figma and Linear order their lists): `a0`, `a1` … `az`, `b00` … ; before `a0` come `Zz`,
/// `Zy` …; between two keys, a fraction is appended (`a0V` lies between `a0` and `a1`). Adding at
/// either end grows a key by one character per 62ⁿ cards; inserting again and again at the same
/// spot between two cards grows it by about one character per six inserts, so keys are capped at
/// 64 characters and a move that would need more is refused (the client then re-spaces the list).
///
/// Digits are base 62 (`0-9A-Za-z`, in ASCII order). The head letter gives the integer part's
/// length: `a`…`z` one to 26 digits (positive), `Z`…`A` one to 26 digits (negative). A fraction
/// never ends with `0`, so every position has one spelling.
public struct OrderKey: Hashable, Comparable, Sendable, BinaryCodable, CustomStringConvertible {
    public let rawValue: String

    static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let zeroDigit = digits[0]
    static let lastDigit = digits[61]
    public static let maxLength = 64
    /// The one key before which nothing fits: `A` and 26 zeros.
    static let smallestInteger = [UInt8(ascii: "A")] + [UInt8](repeating: zeroDigit, count: 26)

    /// A key from outside, checked: nil if it is not one.
    public init?(_ raw: String) {
        let bytes = Array(raw.utf8)
        guard Self.isValid(bytes) else { return nil }
        rawValue = raw
    }

    private init(bytes: [UInt8]) {
        rawValue = String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { rawValue }
    /// Keys are ASCII, where String's order is the bytes' (and has a fast path).
    public static func < (lhs: OrderKey, rhs: OrderKey) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The key of the first item of an empty list.
    public static let first = OrderKey(bytes: Array("a0".utf8))

    /// A key strictly between `low` (nil: before everything) and `high` (nil: after everything);
    /// nil when `low` is not below `high` or the key would pass `maxLength`.
    public static func between(_ low: OrderKey?, _ high: OrderKey?) -> OrderKey? {
        if let low, let high, !(low < high) { return nil }
        let a = low.map { Array($0.rawValue.utf8) }
        let b = high.map { Array($0.rawValue.utf8) }
        guard let result = keyBetween(a, b), result.count <= maxLength else { return nil }
        return OrderKey(bytes: result)
    }

    /// `count` keys in order after `low` (a list laid out at once, or re-spaced).
    public static func sequence(_ count: Int, after low: OrderKey? = nil) -> [OrderKey] {
        var keys: [OrderKey] = []
        keys.reserveCapacity(count)
        var previous = low
        for _ in 0..<count {
            guard let next = between(previous, nil) else { break }
            keys.append(next)
            previous = next
        }
        return keys
    }

    // MARK: The arithmetic

    private static func keyBetween(_ a: [UInt8]?, _ b: [UInt8]?) -> [UInt8]? {
        switch (a, b) {
        case (nil, nil):
            return Array(first.rawValue.utf8)
        case (nil, let b?):
            let ib = integerPart(b)
            let fb = Array(b[ib.count...])
            if ib == smallestInteger { return midpoint([], fb).map { ib + $0 } }
            if ib.count < b.count { return ib }
            return decrement(ib)
        case (let a?, nil):
            let ia = integerPart(a)
            if let next = increment(ia) { return next }
            return midpoint(Array(a[ia.count...]), nil).map { ia + $0 }
        case (let a?, let b?):
            let ia = integerPart(a)
            let ib = integerPart(b)
            if ia == ib { return midpoint(Array(a[ia.count...]), Array(b[ib.count...])).map { ia + $0 } }
            guard let next = increment(ia) else { return nil }
            if next.lexicographicallyPrecedes(b) { return next }
            return midpoint(Array(a[ia.count...]), nil).map { ia + $0 }
        }
    }

    /// A fraction strictly between fractions `a` and `b` (nil: 1), given a < b.
    private static func midpoint(_ a: [UInt8], _ b: [UInt8]?) -> [UInt8]? {
        if let b {
            // The common prefix (a's missing digits count as 0) is kept as it is.
            var n = 0
            while n < b.count && (n < a.count ? a[n] : zeroDigit) == b[n] { n += 1 }
            if n > 0 {
                return midpoint(Array(a.dropFirst(n)), Array(b.dropFirst(n))).map { Array(b[..<n]) + $0 }
            }
        }
        let low = a.first.map { value(of: $0)! } ?? 0
        let high = b.flatMap { $0.first.map { value(of: $0)! } } ?? 62
        if high - low > 1 { return [digits[(low + high + 1) / 2]] }
        // Adjacent digits: b's first digit alone, if b goes on; else a's, then halfway to 1.
        if let b, b.count > 1 { return [b[0]] }
        return midpoint(Array(a.dropFirst()), nil).map { [digits[low]] + $0 }
    }

    private static func increment(_ integer: [UInt8]) -> [UInt8]? {
        var head = integer[0]
        var body = Array(integer.dropFirst())
        var carry = true
        var index = body.count - 1
        while carry && index >= 0 {
            let next = value(of: body[index])! + 1
            if next == 62 { body[index] = zeroDigit } else { body[index] = digits[next]; carry = false }
            index -= 1
        }
        guard carry else { return [head] + body }
        if head == UInt8(ascii: "Z") { return Array("a0".utf8) }
        if head == UInt8(ascii: "z") { return nil }
        head += 1
        if head > UInt8(ascii: "a") { body.append(zeroDigit) } else { body.removeLast() }
        return [head] + body
    }

    private static func decrement(_ integer: [UInt8]) -> [UInt8]? {
        var head = integer[0]
        var body = Array(integer.dropFirst())
        var borrow = true
        var index = body.count - 1
        while borrow && index >= 0 {
            let next = value(of: body[index])! - 1
            if next < 0 { body[index] = lastDigit } else { body[index] = digits[next]; borrow = false }
            index -= 1
        }
        guard borrow else { return [head] + body }
        if head == UInt8(ascii: "a") { return [UInt8(ascii: "Z"), lastDigit] }
        if head == UInt8(ascii: "A") { return nil }
        head -= 1
        if head < UInt8(ascii: "Z") { body.append(lastDigit) } else { body.removeLast() }
        return [head] + body
    }

    /// How many characters the integer part has, by its head; nil if the head is not a letter.
    private static func integerLength(_ head: UInt8) -> Int? {
        switch head {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(head - UInt8(ascii: "a")) + 2
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(UInt8(ascii: "Z") - head) + 2
        default: nil
        }
    }

    private static func integerPart(_ key: [UInt8]) -> [UInt8] { Array(key[..<integerLength(key[0])!]) }

    private static func value(of byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x5A: Int(byte - 0x41) + 10
        case 0x61...0x7A: Int(byte - 0x61) + 36
        default: nil
        }
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        guard let head = bytes.first, bytes.count <= maxLength, let length = integerLength(head), bytes.count >= length,
              bytes.dropFirst().allSatisfy({ value(of: $0) != nil }), bytes != smallestInteger
        else { return false }
        // A fraction never ends with 0.
        return bytes.count == length || bytes.last != zeroDigit
    }

    public func encode(to writer: inout BinaryWriter) { writer.write(rawValue) }
    public init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        let raw: String = try reader.read()
        guard let key = OrderKey(raw) else { throw BinaryReader.Malformed(offset: -1) }
        self = key
    }
}
