/// A DNS message as multicast DNS uses it (RFC 1035 §4, RFC 6762 §18), for LAN discovery
/// (Gateway/Discovery/MulticastDNS); here with the other parsers of what strangers send, so that
/// the fuzz target reaches it. Enough to ask for and answer with the few record types a DNS-SD
/// announcement needs. Decoding reads strangers' bytes,
/// so every length is checked, compression pointers may only point backwards, and names keep to
/// RFC 1035's limits; anything else is refused (nil), never trapped on.
public struct DNSMessage: Equatable, Sendable {
    public var id: UInt16 = 0
    /// QR (0x8000: a response) and AA (0x0400: authoritative) are the only flags mDNS uses.
    public var flags: UInt16 = 0
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authorities: [DNSRecord] = []
    public var additionals: [DNSRecord] = []

    public static let responseFlags: UInt16 = 0x8400
    public var isResponse: Bool { flags & 0x8000 != 0 }

    public init(id: UInt16 = 0, flags: UInt16 = 0, questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                authorities: [DNSRecord] = [], additionals: [DNSRecord] = []) {
        self.id = id
        self.flags = flags
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }
}

/// A name: its labels as given; compared without regard to ASCII case (RFC 1035 §2.3.3).
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    public let labels: [String]

    public init(_ labels: [String]) { self.labels = labels }

    /// "a.b.local" or "a.b.local." (no escapes: our own names only).
    public init(_ dotted: String) {
        self.labels = dotted.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    }

    public var description: String { labels.joined(separator: ".") + "." }

    private var key: [String] { labels.map { $0.lowercased() } }
    public static func == (a: DNSName, b: DNSName) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// Label bytes: at most 63 each, 255 in all (RFC 1035 §2.3.4).
    public var isValid: Bool {
        labels.allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 } && labels.reduce(1) { $0 + $1.utf8.count + 1 } <= 255
    }
}

public enum DNSType {
    public static let a: UInt16 = 1
    public static let ptr: UInt16 = 12
    public static let txt: UInt16 = 16
    public static let aaaa: UInt16 = 28
    public static let srv: UInt16 = 33
    public static let nsec: UInt16 = 47
    public static let any: UInt16 = 255
}

public struct DNSQuestion: Equatable, Sendable {
    public var name: DNSName
    public var type: UInt16
    /// The top bit of the class in a question: "answer me by unicast" (RFC 6762 §5.4).
    public var unicastResponse: Bool

    public init(name: DNSName, type: UInt16, unicastResponse: Bool = false) {
        self.name = name
        self.type = type
        self.unicastResponse = unicastResponse
    }
}

public struct DNSRecord: Equatable, Sendable {
    public var name: DNSName
    /// The top bit of the class in a record: "this set replaces what you cached" (RFC 6762 §10.2).
    public var cacheFlush: Bool
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, cacheFlush: Bool, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.cacheFlush = cacheFlush
        self.ttl = ttl
        self.data = data
    }

    public var type: UInt16 { data.type }

    /// Same name, type and data: the same record, whatever its TTL and flags.
    public func isSame(as other: DNSRecord) -> Bool { name == other.name && data == other.data }
}

public enum DNSRecordData: Hashable, Sendable {
    case a([UInt8])
    case aaaa([UInt8])
    case ptr(DNSName)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// Strings of at most 255 bytes each (RFC 6763 §6).
    case txt([[UInt8]])
    /// The types that exist for a name of ours (RFC 6762 §6.1: "and no other").
    case nsec(next: DNSName, types: [UInt16])
    case other(type: UInt16, bytes: [UInt8])

    public var type: UInt16 {
        switch self {
        case .a: DNSType.a
        case .aaaa: DNSType.aaaa
        case .ptr: DNSType.ptr
        case .srv: DNSType.srv
        case .txt: DNSType.txt
        case .nsec: DNSType.nsec
        case .other(let type, _): type
        }
    }
}

// MARK: - Encoding

extension DNSMessage {
    /// The wire bytes; names are written whole (no compression: our messages are small).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        for value in [id, flags, UInt16(questions.count), UInt16(answers.count), UInt16(authorities.count),
                      UInt16(additionals.count)] {
            out.appendUInt16(value)
        }
        for question in questions {
            out.appendName(question.name)
            out.appendUInt16(question.type)
            out.appendUInt16(1 | (question.unicastResponse ? 0x8000 : 0))
        }
        for record in answers + authorities + additionals { out.appendRecord(record) }
        return out
    }
}

extension [UInt8] {
    package mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    package mutating func appendUInt32(_ value: UInt32) {
        appendUInt16(UInt16(value >> 16))
        appendUInt16(UInt16(value & 0xFFFF))
    }

    package mutating func appendName(_ name: DNSName) {
        for label in name.labels {
            let bytes = Array(label.utf8.prefix(63))
            append(UInt8(bytes.count))
            append(contentsOf: bytes)
        }
        append(0)
    }

    package mutating func appendRecord(_ record: DNSRecord) {
        appendName(record.name)
        appendUInt16(record.type)
        appendUInt16(1 | (record.cacheFlush ? 0x8000 : 0))
        appendUInt32(record.ttl)
        var data: [UInt8] = []
        switch record.data {
        case .a(let bytes), .aaaa(let bytes), .other(_, let bytes): data = bytes
        case .ptr(let name): data.appendName(name)
        case .srv(let priority, let weight, let port, let target):
            data.appendUInt16(priority)
            data.appendUInt16(weight)
            data.appendUInt16(port)
            data.appendName(target)
        case .txt(let strings):
            // An empty TXT record is one empty string (RFC 6763 §6.1).
            for string in strings.isEmpty ? [[]] : strings {
                let bytes = string.prefix(255)
                data.append(UInt8(bytes.count))
                data.append(contentsOf: bytes)
            }
        case .nsec(let next, let types):
            data.appendName(next)
            // Window 0 only: every type we name is below 256.
            let low = types.filter { $0 < 256 }
            let length = (Int(low.max() ?? 0) / 8) + 1
            var bitmap = [UInt8](repeating: 0, count: length)
            for type in low { bitmap[Int(type) / 8] |= 0x80 >> UInt8(type % 8) }
            data.append(0)
            data.append(UInt8(length))
            data.append(contentsOf: bitmap)
        }
        appendUInt16(UInt16(data.count))
        append(contentsOf: data)
    }
}

// MARK: - Decoding

extension DNSMessage {
    /// A message from the network, or nil if any part of it is malformed.
    public init?(decoding bytes: [UInt8]) {
        var reader = DNSReader(bytes: bytes)
        guard let id = reader.uint16(), let flags = reader.uint16(), let qd = reader.uint16(), let an = reader.uint16(),
              let ns = reader.uint16(), let ar = reader.uint16() else { return nil }
        // Each question takes at least 5 bytes and each record 11: counts beyond what the bytes
        // could hold are lies, refused before anything is reserved for them.
        guard Int(qd) * 5 + (Int(an) + Int(ns) + Int(ar)) * 11 <= bytes.count - 12 else { return nil }
        self.init(id: id, flags: flags)
        for _ in 0..<qd {
            guard let name = reader.name(), let type = reader.uint16(), let klass = reader.uint16() else { return nil }
            questions.append(DNSQuestion(name: name, type: type, unicastResponse: klass & 0x8000 != 0))
        }
        for (count, section) in [(an, 0), (ns, 1), (ar, 2)] {
            for _ in 0..<count {
                guard let record = reader.record() else { return nil }
                switch section {
                case 0: answers.append(record)
                case 1: authorities.append(record)
                default: additionals.append(record)
                }
            }
        }
    }
}

struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func uint8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() -> UInt16? {
        guard offset + 2 <= bytes.count else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func uint32() -> UInt32? {
        guard let high = uint16(), let low = uint16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A name at the reading position, following compression pointers (RFC 1035 §4.1.4), each
    /// to an earlier offset than the last: no loops.
    mutating func name() -> DNSName? {
        var labels: [String] = []
        var position = offset
        var limit = offset
        var jumped = false
        var length = 1
        while true {
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            if byte & 0xC0 == 0xC0 {
                guard position + 1 < bytes.count else { return nil }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < limit else { return nil }
                if !jumped { offset = position + 2 }
                jumped = true
                limit = target
                position = target
                continue
            }
            guard byte & 0xC0 == 0 else { return nil }
            let count = Int(byte)
            if count == 0 {
                if !jumped { offset = position + 1 }
                return DNSName(labels)
            }
            guard position + 1 + count <= bytes.count else { return nil }
            length += count + 1
            guard length <= 255 else { return nil }
            labels.append(String(decoding: bytes[(position + 1)...(position + count)], as: UTF8.self))
            position += 1 + count
        }
    }

    mutating func record() -> DNSRecord? {
        guard let owner = name(), let type = uint16(), let klass = uint16(), let ttl = uint32(),
              let length = uint16().map(Int.init), offset + length <= bytes.count else { return nil }
        let end = offset + length
        let data: DNSRecordData
        switch type {
        case DNSType.a where length == 4: data = .a(take(4) ?? [])
        case DNSType.aaaa where length == 16: data = .aaaa(take(16) ?? [])
        case DNSType.ptr:
            guard let target = name() else { return nil }
            data = .ptr(target)
        case DNSType.srv:
            guard let priority = uint16(), let weight = uint16(), let port = uint16(), let target = name() else { return nil }
            data = .srv(priority: priority, weight: weight, port: port, target: target)
        case DNSType.txt:
            var strings: [[UInt8]] = []
            while offset < end {
                guard let count = uint8(), offset + Int(count) <= end, let string = take(Int(count)) else { return nil }
                strings.append(string)
            }
            data = .txt(strings)
        default:
            guard let raw = take(length) else { return nil }
            data = .other(type: type, bytes: raw)
        }
        // The data must fill its stated length exactly (a name that ran past it is malformed).
        guard offset == end else { return nil }
        return DNSRecord(name: owner, cacheFlush: klass & 0x8000 != 0, ttl: ttl, data: data)
    }
}
