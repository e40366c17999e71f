#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import struct Foundation.Date

/// A point in time with microsecond resolution, as the store stamps it on every record.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// Saturating: a date beyond what 64-bit microseconds hold (±292,000 years) becomes the
    /// nearest one that fits, rather than trapping on a date typed by someone.
    public init(_ date: Date) {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        if value.isNaN {
            microseconds = 0
        } else if value >= 9.2e18 {
            microseconds = .max
        } else if value <= -9.2e18 {
            microseconds = .min
        } else {
            microseconds = Int64(value)
        }
    }

    /// The wall clock now. The store never uses this directly: it keeps stamps non-decreasing.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// ISO 8601 in UTC with microseconds, e.g. `2026-11-24T18:57:58.123456Z`.
    public var description: String {
        var seconds = time_t(microseconds.floorDivided(by: 1_000_000))
        let micros = Int(microseconds - Int64(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(micros, 6))Z"
    }
}

extension Int64 {
    /// Division rounding towards negative infinity (times before 1970 stay correct).
    func floorDivided(by divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
