/// Writes JSON objects by hand: the event frames every client receives are built once per event
/// with this, faster than `JSONEncoder` and with the field order the protocol documents.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Bit n: the object or array at depth n already has a member (a comma goes before the next).
    private var hasMember: UInt64 = 0
    private var depth = 0

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Empties the writer, keeping its buffer, to write the next object.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        hasMember = 0
        depth = 0
    }

    /// Ends a JSON Lines row with a line feed; the next object starts a new row after it.
    public mutating func endLine() {
        bytes.append(0x0A)
        hasMember = 0
    }

    public mutating func beginObject(_ key: String? = nil) {
        separator(key)
        bytes.append(UInt8(ascii: "{"))
        push()
    }

    public mutating func endObject() {
        depth -= 1
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray(_ key: String? = nil) {
        separator(key)
        bytes.append(UInt8(ascii: "["))
        push()
    }

    public mutating func endArray() {
        depth -= 1
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func field(_ key: String, _ value: String) {
        separator(key)
        quoted(value)
    }

    public mutating func field(_ key: String, _ value: String?) {
        separator(key)
        if let value { quoted(value) } else { literal("null") }
    }

    public mutating func field(_ key: String, _ value: Int64) {
        separator(key)
        literal(String(value))
    }

    public mutating func field(_ key: String, _ value: Int) { field(key, Int64(value)) }

    public mutating func field(_ key: String, _ value: UInt64) {
        separator(key)
        literal(String(value))
    }

    public mutating func field(_ key: String, _ value: UInt64?) {
        separator(key)
        if let value { literal(String(value)) } else { literal("null") }
    }

    public mutating func field(_ key: String, _ value: Bool) {
        separator(key)
        literal(value ? "true" : "false")
    }

    public mutating func field(_ key: String, strings: [String]) {
        beginArray(key)
        for value in strings { element(value) }
        endArray()
    }

    public mutating func element(_ value: String) {
        separator(nil)
        quoted(value)
    }

    public mutating func element(_ value: Int) {
        separator(nil)
        literal(String(value))
    }

    /// A time as ISO 8601 text.
    public mutating func field(_ key: String, microseconds: Int64, formatter: inout TimestampFormatter) {
        separator(key)
        bytes.append(UInt8(ascii: "\""))
        formatter.append(microseconds: microseconds, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Inserts already-encoded JSON (from `JSONEncoder`).
    public mutating func raw(_ key: String?, _ json: [UInt8]) {
        separator(key)
        bytes.append(contentsOf: json)
    }

    /// Keys are the protocol's own names, written as they are: never user text, never escaped.
    private mutating func push() {
        depth += 1
        precondition(depth < 64, "JSON nested deeper than 63 levels")
        hasMember &= ~(1 << depth)
    }

    private mutating func separator(_ key: String?) {
        if hasMember >> depth & 1 == 1 { bytes.append(UInt8(ascii: ",")) }
        hasMember |= 1 << depth
        if let key {
            bytes.append(UInt8(ascii: "\""))
            var key = key
            key.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
        }
    }

    private mutating func literal(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; also `<`, `>` and `&`
    /// (as \u003c…) so that a frame pasted into HTML can never close a tag.
    ///
    /// Runs of bytes that need no escape are copied whole: this is on the path of every frame
    /// sent and every exported row (docs/benchmarks.md, export).
    private mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let base = utf8.baseAddress else { return }
        let count = utf8.count
        var start = 0
        while start < count {
            var end = start
            // Eight bytes at a time while none needs escaping (most text), then byte by byte.
            while end + 8 <= count && !Self.anyNeedsEscape(UnsafeRawPointer(base + end).loadUnaligned(as: UInt64.self)) {
                end += 8
            }
            while end < count && !Self.needsEscape(base[end]) { end += 1 }
            if end > start { bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start)) }
            if end < count {
                escape(base[end])
                end += 1
            }
            start = end
        }
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
        default:
            for digit in [UInt8(ascii: "u"), 48, 48, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]] { bytes.append(digit) }
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any of the eight bytes of `word` must be escaped (bit tricks on all eight at once:
    /// a byte is below 0x20, or equal to one of the five characters, exactly when the matching
    /// term below has its top bit set for that byte).
    @inline(__always)
    private static func anyNeedsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let below0x20 = (word &- ones &* 0x20) & ~word & highs
        let special = zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x5C)) | zeroByte(word ^ (ones &* 0x3C))
            | zeroByte(word ^ (ones &* 0x3E)) | zeroByte(word ^ (ones &* 0x26))
        return below0x20 | special != 0
    }

    /// Whether `quoted` must escape `byte`: controls, `"`, `\`, `<, `>`, `&` (bit n of the mask is byte n).
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 64 && (0x5000_0044_FFFF_FFFF as UInt64) >> byte & 1 == 1 || byte == 0x5C
    }
}
