public import Foundation
import EventStore

/// Formats instants as ISO 8601 with milliseconds and the zone's offset ("2025-04-01T09:30:00.250+02:00",
/// "…Z" in UTC), the form `ISO8601DateFormatter` gives with fractional seconds, at a small fraction of
/// its cost: exports format one time per row (docs/benchmarks.md, export).
///
/// The offset is looked up once per stretch between two daylight-saving transitions, the calendar
/// arithmetic is done on integers (proleptic Gregorian, as ISO 8601 requires).
public struct TimestampFormatter {
    public let timeZone: TimeZone
    private let isUTC: Bool
    /// The offset in force over `[validFrom, validUntil)`, in seconds since 1970.
    private var offset = 0
    private var validFrom: Int64 = .max
    private var validUntil: Int64 = .min

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        isUTC = timeZone.secondsFromGMT() == 0 && timeZone.nextDaylightSavingTimeTransition == nil
    }

    /// `microseconds` since 1970 (the log's clock).
    public mutating func string(microseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        append(microseconds: microseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public mutating func string(from date: Date) -> String {
        string(microseconds: Timestamp(date).microseconds)
    }

    /// The local civil time at `microseconds`: the pieces `HTMLWriter` prints.
    public mutating func civil(microseconds: Int64) -> CivilTime {
        let seconds = Self.floorDivide(microseconds, 1_000_000)
        let local = seconds + Int64(offset(at: seconds))
        let days = Self.floorDivide(local, 86_400)
        let secondOfDay = Int(local - days * 86_400)
        let (year, month, day) = Self.civilDate(daysSince1970: days)
        return CivilTime(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60, millisecond: Int((microseconds - seconds * 1_000_000) / 1000),
            weekday: Int((days % 7 + 7 + 4) % 7), offsetSeconds: offset(at: seconds))
    }

    public mutating func append(microseconds: Int64, to bytes: inout [UInt8]) {
        let time = civil(microseconds: microseconds)
        Self.digits(time.year, 4, &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.digits(time.month, 2, &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.digits(time.day, 2, &bytes)
        bytes.append(UInt8(ascii: "T"))
        Self.digits(time.hour, 2, &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.digits(time.minute, 2, &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.digits(time.second, 2, &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.digits(time.millisecond, 3, &bytes)
        if time.offsetSeconds == 0 {
            bytes.append(UInt8(ascii: "Z"))
        } else {
            let magnitude = abs(time.offsetSeconds)
            bytes.append(UInt8(ascii: time.offsetSeconds < 0 ? "-" : "+"))
            Self.digits(magnitude / 3600, 2, &bytes)
            bytes.append(UInt8(ascii: ":"))
            Self.digits(magnitude / 60 % 60, 2, &bytes)
        }
    }

    private mutating func offset(at seconds: Int64) -> Int {
        if isUTC { return 0 }
        if seconds >= validFrom && seconds < validUntil { return offset }
        let date = Date(timeIntervalSince1970: Double(seconds))
        offset = timeZone.secondsFromGMT(for: date)
        validFrom = seconds
        // Re-checked at least hourly too, in case a zone changes its offset outside daylight saving.
        let transition = timeZone.nextDaylightSavingTimeTransition(after: date).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
        validUntil = min(transition ?? .max, seconds + 3600)
        return offset
    }

    /// `value` in decimal, zero-padded to `width`; wider values keep all their digits. One byte at a
    /// time: an array literal here would allocate on every call. Widths 2 and 3 (every field but
    /// the year) take a short path without a loop.
    @inline(__always)
    private static func digits(_ value: Int, _ width: Int, _ bytes: inout [UInt8]) {
        let zero = UInt8(ascii: "0")
        if width == 2 && value >= 0 && value < 100 {
            bytes.append(zero + UInt8(value / 10))
            bytes.append(zero + UInt8(value % 10))
            return
        }
        if width == 3 && value >= 0 && value < 1000 {
            bytes.append(zero + UInt8(value / 100))
            bytes.append(zero + UInt8(value / 10 % 10))
            bytes.append(zero + UInt8(value % 10))
            return
        }
        let value = max(0, value)
        var divisor = 1
        var count = 1
        while count < width || value / divisor >= 10 {
            divisor *= 10
            count += 1
        }
        while divisor > 0 {
            bytes.append(zero + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// Year, month and day of the day `days` after 1970-01-01, counting in 400-year eras of
    /// 146,097 days (each era repeats the Gregorian leap pattern exactly), from March so that the
    /// leap day falls at the end of the counted year.
    static func civilDate(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days from 0000-03-01 to 1970-01-01
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}

/// A moment as read on a wall clock somewhere.
public struct CivilTime: Equatable, Sendable {
    public var year, month, day, hour, minute, second, millisecond: Int
    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int
    public var offsetSeconds: Int
}
