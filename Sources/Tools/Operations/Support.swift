public import Foundation
public import Logging
public import EventStore
public import Projections

extension Logger {
    /// A logger that says nothing (tools report through their own output).
    public static var quiet: Logger {
        var logger = Logger(label: "causerie.tools")
        logger.logLevel = .critical
        return logger
    }
}

/// ISO 8601 times, with the offset stated.
public enum ISO8601 {
    /// Now, in UTC.
    public static func now() -> String { format(Date(), timeZone: TimeZone(identifier: "UTC")!) }

    public static func format(_ date: Date, timeZone: TimeZone) -> String {
        var formatter = TimestampFormatter(timeZone: timeZone)
        return formatter.string(from: date)
    }

    /// Parses "2026-11-24", "2026-11-24T10:30", "2026-11-24T10:30:00", with or without a zone
    /// ("Z", "+01:00"); without one, `timeZone` applies.
    /// Years 1 to 9999 only (a date typed with a six-digit year is refused, not wrapped).
    public static func parse(_ text: String, timeZone: TimeZone) -> Date? {
        guard text.utf8.count <= 64, let date = parseAny(text, timeZone: timeZone) else { return nil }
        // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, with a day's margin for the zone.
        guard date.timeIntervalSince1970 > -62_135_683_200, date.timeIntervalSince1970 < 253_402_387_200 else { return nil }
        return date
    }

    private static func parseAny(_ text: String, timeZone: TimeZone) -> Date? {
        let full = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
        ] {
            full.formatOptions = options
            if let date = full.date(from: text) { return date }
        }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = timeZone
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            local.dateFormat = format
            if let date = local.date(from: text) { return date }
        }
        return nil
    }
}

extension StoredEvent {
    /// A logged record read as a domain event: how the gateway's views and the tools both read the log.
    public init(_ record: RecordedEvent) throws(DomainEvent.DecodingFailure) {
        let event = try DomainEvent.decode(tag: record.type, version: record.schemaVersion, payload: record.payload)
        self.init(position: record.position, timestamp: record.timestamp.microseconds, stream: record.stream,
                  actor: UserID(record.actor), event: event)
    }
}
