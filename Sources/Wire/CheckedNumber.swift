public import Projections

/// A number from outside the process — a query parameter, a JSON field of a frame or a body, a
/// configuration value — checked against its field's range in one place, before any arithmetic.
///
/// Every numeric field clients send is one of these types, so that an out-of-range value is
/// refused with `invalid` / `out_of_range:<field>` (HTTP 400, an error frame) instead of
/// overflowing later (`from * 1000` once trapped the whole server). The ranges are the contract
/// published in docs/openapi.yaml and docs/protocol.schema.json.
public protocol CheckedNumber: Sendable, Hashable, Decodable, CustomStringConvertible {
    associatedtype Raw: FixedWidthInteger & Sendable & Decodable & LosslessStringConvertible
    /// The values the field accepts.
    static var range: ClosedRange<Raw> { get }
    var value: Raw { get }
    /// Only for values already in `range` (the checks below call it).
    init(unchecked value: Raw)
}

extension CheckedNumber {
    public var description: String { value.description }

    /// A value from inside the process (tests, defaults), checked like one from outside.
    public init(checking value: Raw, field: String) throws(Rejection) {
        guard Self.range.contains(value) else { throw Self.outOfRange(field) }
        self.init(unchecked: value)
    }

    /// A decimal integer as text (a query parameter): digits with an optional leading '-', at
    /// most 20 of them, in range. "12abc", "1e3", " 5", "+5" and 10,000-digit numbers are refused.
    public init(parsing text: Substring, field: String) throws(Rejection) {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw Rejection.invalid("wrong_type:\(field)")
        }
        guard digits.count <= 20, let value = Raw(String(text)) else { throw Self.outOfRange(field) }
        try self.init(checking: value, field: field)
    }

    /// Decodes the field's JSON value: an integer in range, or an error naming the field — out of
    /// range for any other number (2^64, 1e300, 1.5, a 10,000-digit one), wrong type otherwise.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let field = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        if let value = try? container.decode(Raw.self) {
            guard Self.range.contains(value) else { throw OutOfRange(field: field) }
            self.init(unchecked: value)
            return
        }
        // Not an integer of this width: a string, a bool or null is a wrong type; a number is out of range.
        if container.decodeNil() || (try? container.decode(String.self)) != nil || (try? container.decode(Bool.self)) != nil {
            throw DecodingError.typeMismatch(Raw.self, .init(codingPath: decoder.codingPath, debugDescription: "not a number"))
        }
        throw OutOfRange(field: field)
    }

    static func outOfRange(_ field: String) -> Rejection { .invalid("out_of_range:\(field)") }
}

/// A JSON number outside its field's range (see `WireDecoder`, which names it in the rejection).
public struct OutOfRange: Error, Sendable {
    public var field: String
}

/// A log position (a message is the position of the event that posted it). Positions count from
/// 1 and can never reach 2^63, so nothing above that is accepted and `position + 1` cannot overflow.
public struct Position: CheckedNumber {
    public static let range: ClosedRange<UInt64> = 0...UInt64(Int64.max)
    public let value: UInt64
    public init(unchecked value: UInt64) { self.value = value }
}

/// A time as clients give it: milliseconds since 1970-01-01T00:00:00Z, up to the end of year 9999
/// (so that it converts to the log's microseconds without overflow).
public struct EpochMilliseconds: CheckedNumber {
    public static let range: ClosedRange<Int64> = 0...253_402_300_799_999
    public let value: Int64
    public init(unchecked value: Int64) { self.value = value }
    /// The same instant in microseconds (the log's unit); cannot overflow given `range`.
    public var microseconds: Int64 { value * 1000 }
    /// The latest time accepted: "until the end".
    public static let end = EpochMilliseconds(unchecked: range.upperBound)
}

/// How many items a page holds: 1 to 200 (a server may be configured to serve fewer).
public struct PageSize: CheckedNumber {
    public static let range: ClosedRange<Int> = 1...Limits.historyPage
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// A mute's length: 1 minute to a year.
public struct MuteMinutes: CheckedNumber {
    public static let range: ClosedRange<Int> = Limits.muteMinutes
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
    public var microseconds: Int64 { Int64(value) * 60_000_000 }
}

/// The protocol version a client speaks (any small integer; the server answers whether it speaks it).
public struct ProtocolVersion: CheckedNumber {
    public static let range: ClosedRange<Int> = 0...1_000_000
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// An anti-flood burst: messages one may send at once (1 to 10,000).
public struct FloodBurst: CheckedNumber {
    public static let range: ClosedRange<Int> = Limits.floodBurst
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// An anti-flood rate: messages per minute once the burst is spent (1 to 100,000).
public struct FloodRate: CheckedNumber {
    public static let range: ClosedRange<Int> = Limits.floodPerMinute
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// The longest message, in characters (1 to 100,000).
public struct MessageLength: CheckedNumber {
    public static let range: ClosedRange<Int> = Limits.maxMessageLength
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// Days of history users see; 0 keeps it whole (at most a century, `Limits.maxRetentionDays`).
public struct RetentionDays: CheckedNumber {
    public static let range: ClosedRange<Int> = Limits.retentionDays
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// Days an invitation stays open (1 to 90, `IssueInvitation.lifetime`).
public struct InvitationDays: CheckedNumber {
    public static let range: ClosedRange<Int> = 1...90
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// A size in bytes (quotas, file sizes, upload lengths and offsets): up to 2^63 − 1, so sums of
/// a few of them are checked, not wrapped.
public struct ByteCount: CheckedNumber {
    public static let range: ClosedRange<UInt64> = 0...UInt64(Int64.max)
    public let value: UInt64
    public init(unchecked value: UInt64) { self.value = value }
}

/// How many search results a page holds: 1 to 100 (docs/search.md).
public struct SearchPageSize: CheckedNumber {
    public static let range: ClosedRange<Int> = 1...100
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// How many results of a search ordered by relevance to skip: a page further than the thousandth
/// result is not served (refine the query instead).
public struct SearchOffset: CheckedNumber {
    public static let range: ClosedRange<Int> = 0...1_000
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// A stage's work-in-progress limit: 0 (none) to 10,000 cards.
public struct WipLimit: CheckedNumber {
    public static let range: ClosedRange<Int> = 0...BoardLimits.wipLimit
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}

/// Which attachment of a notice (0 to 19).
public struct AttachmentIndex: CheckedNumber {
    public static let range: ClosedRange<Int> = 0...(BulletinLimits.attachments - 1)
    public let value: Int
    public init(unchecked value: Int) { self.value = value }
}
