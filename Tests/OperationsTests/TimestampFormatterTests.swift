import Foundation
import Testing

@testable import Operations

/// The export's own ISO 8601 formatter must print exactly what Foundation's does, in every zone,
/// across daylight-saving transitions, leap days and centuries.
@Suite struct TimestampFormatterTests {
    static let zones = [
        "UTC", "Europe/Paris", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Chatham",
        "America/St_Johns", "Australia/Lord_Howe", "Pacific/Kiritimati",
    ]

    @Test(arguments: zones)
    func matchesFoundationInZone(_ identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        reference.timeZone = zone
        var formatter = TimestampFormatter(timeZone: zone)

        // Every 37 minutes and 13.457 seconds over three years (both directions of every DST
        // change, the 2024 leap day), in increasing order as an export reads them...
        let start: Int64 = 1_704_067_200_000  // 2024-01-01T00:00:00Z, in milliseconds
        let step: Int64 = (37 * 60 + 13) * 1000 + 457
        var milliseconds = start
        while milliseconds < start + 3 * 366 * 86_400_000 {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            #expect(formatter.string(microseconds: milliseconds * 1000) == reference.string(from: date))
            milliseconds += step
        }
        // ...and out of order, which must not reuse a stale offset.
        for seconds: Int64 in [951_782_400, 4_107_542_399, 0, 1_711_846_799, 1_711_846_800, 1_730_595_600, 1_730_591_999] {
            let date = Date(timeIntervalSince1970: Double(seconds))
            #expect(formatter.string(microseconds: seconds * 1_000_000) == reference.string(from: date))
        }
    }

    @Test func dstEdgesInParis() throws {
        var formatter = TimestampFormatter(timeZone: try #require(TimeZone(identifier: "Europe/Paris")))
        // Clocks jump from 02:00 to 03:00 on 2024-03-31 and from 03:00 back to 02:00 on 2024-10-27.
        #expect(formatter.string(microseconds: 1_711_846_799_999_000) == "2024-03-31T01:59:59.999+01:00")
        #expect(formatter.string(microseconds: 1_711_846_800_000_000) == "2024-03-31T03:00:00.000+02:00")
        #expect(formatter.string(microseconds: 1_729_990_799_999_000) == "2024-10-27T02:59:59.999+02:00")
        #expect(formatter.string(microseconds: 1_729_990_800_000_000) == "2024-10-27T02:00:00.000+01:00")
    }

    @Test func truncatesMicrosecondsAndHandlesTimesBefore1970() {
        var utc = TimestampFormatter(timeZone: TimeZone(identifier: "UTC")!)
        #expect(utc.string(microseconds: 1_700_000_000_123_999) == "2023-11-14T22:13:20.123Z")
        #expect(utc.string(microseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(utc.string(microseconds: 951_782_400_000_000) == "2000-02-29T00:00:00.000Z")
    }

    /// From 1696 (after every Julian-to-Gregorian cutover Foundation knows) to 7445.
    @Test func civilDatesMatchTheGregorianCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for days in stride(from: Int64(-100_000), through: 2_000_000, by: 997) {
            let date = Date(timeIntervalSince1970: Double(days) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let civil = TimestampFormatter.civilDate(daysSince1970: days)
            #expect(civil.year == parts.year && civil.month == parts.month && civil.day == parts.day, "day \(days)")
        }
    }

    @Test func weekdayAndOffsetInCivilTime() throws {
        var formatter = TimestampFormatter(timeZone: try #require(TimeZone(identifier: "Asia/Kolkata")))
        // 2025-04-01T09:30:00.250+05:30 was a Tuesday.
        let time = formatter.civil(microseconds: 1_743_480_000_250_000)
        #expect(time == CivilTime(year: 2025, month: 4, day: 1, hour: 9, minute: 30, second: 0, millisecond: 250, weekday: 2, offsetSeconds: 19_800))
    }
}
