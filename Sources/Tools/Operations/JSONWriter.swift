/// Writes JSON objects by hand: the event frames every client receives are built once per event
/// with this, faster than `JSONEncoder` and with the field order the protocol documents.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject(_ key: String? = nil) {
        separator(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray(_ key: String? = nil) {
        separator(key)
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        needsComma.removeLast()
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

    /// Inserts already-encoded JSON (from `JSONEncoder`).
    public mutating func raw(_ key: String?, _ json: [UInt8]) {
        separator(key)
        bytes.append(contentsOf: json)
    }

    private mutating func separator(_ key: String?) {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if let key {
            quoted(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    private mutating func literal(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; also `<`, `>` and `&`
    /// (as \u003c…) so that a frame pasted into HTML can never close a tag.
    private mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                bytes.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
