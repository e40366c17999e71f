/// A compact binary encoding for event payloads: fields in a fixed order per schema version,
/// unsigned integers as LEB128 varints, strings and byte arrays length-prefixed.
///
/// Hand-written per event rather than `Codable`: decoding is the inner loop of every replay and
/// startup (docs/adr/003-domain-events.md).
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func write(_ value: Int) { write(UInt64(bitPattern: Int64(value) << 1 ^ Int64(value) >> 63)) }
    public mutating func write(_ value: Int64) { write(UInt64(bitPattern: value << 1 ^ value >> 63)) }
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            write(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func write(_ value: [UInt8]) {
        write(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func write(_ value: String?) {
        write(value != nil)
        if let value { write(value) }
    }

    public mutating func write(_ value: UInt64?) {
        write(value != nil)
        if let value { write(value) }
    }

    public mutating func write(_ values: [String]) {
        write(UInt64(values.count))
        for value in values { write(value) }
    }

    public mutating func write<T: BinaryCodable>(_ value: T) { value.encode(to: &self) }

    public mutating func write<T: BinaryCodable>(_ values: [T]) {
        write(UInt64(values.count))
        for value in values { value.encode(to: &self) }
    }

    public mutating func write<T: BinaryCodable>(_ value: T?) {
        write(value != nil)
        if let value { value.encode(to: &self) }
    }
}

/// Reads what `BinaryWriter` wrote; every read checks bounds and throws on malformed input.
public struct BinaryReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    public struct Malformed: Error, Sendable, Hashable {
        public var offset: Int
    }

    public mutating func read() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw Malformed(offset: offset) }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    public mutating func read() throws(Malformed) -> Int64 {
        let raw: UInt64 = try read()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    public mutating func read() throws(Malformed) -> Int {
        let value: Int64 = try read()
        return Int(value)
    }

    public mutating func read() throws(Malformed) -> UInt8 {
        guard offset < bytes.count else { throw Malformed(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func read() throws(Malformed) -> Bool {
        let byte: UInt8 = try read()
        guard byte <= 1 else { throw Malformed(offset: offset - 1) }
        return byte == 1
    }

    private mutating func length() throws(Malformed) -> Int {
        let count: UInt64 = try read()
        guard count <= UInt64(bytes.count - offset) else { throw Malformed(offset: offset) }
        return Int(count)
    }

    public mutating func read() throws(Malformed) -> String {
        let count = try length()
        defer { offset += count }
        return bytes.withUnsafeBufferPointer { String(decoding: $0[offset..<offset + count], as: UTF8.self) }
    }

    public mutating func read() throws(Malformed) -> [UInt8] {
        let count = try length()
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func read() throws(Malformed) -> String? {
        let present: Bool = try read()
        return present ? try read() as String : nil
    }

    public mutating func read() throws(Malformed) -> UInt64? {
        let present: Bool = try read()
        return present ? try read() as UInt64 : nil
    }

    public mutating func read() throws(Malformed) -> [String] {
        let count = try length()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read()) }
        return values
    }

    public mutating func read<T: BinaryCodable>() throws(Malformed) -> T { try T(from: &self) }

    public mutating func read<T: BinaryCodable>() throws(Malformed) -> [T] {
        let count = try length()
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try T(from: &self)) }
        return values
    }

    public mutating func read<T: BinaryCodable>() throws(Malformed) -> T? {
        let present: Bool = try read()
        return present ? try T(from: &self) : nil
    }
}

/// A value with a binary form.
public protocol BinaryCodable: Sendable {
    func encode(to writer: inout BinaryWriter)
    init(from reader: inout BinaryReader) throws(BinaryReader.Malformed)
}
