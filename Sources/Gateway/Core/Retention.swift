import EventStore
import Logging
import Projections
import Synchronization

/// What users may see at one moment: its time, and the first log position that the retention
/// setting leaves visible (docs/adr/007-retention-hides-history.md).
struct Visibility: Sendable {
    var now: Int64
    /// Events before this position are hidden from users; 1 when history is kept whole.
    var from: UInt64

    /// The latest read position under this horizon (a cursor below it counts as at it).
    func floor(_ cursor: UInt64) -> UInt64 { max(cursor + 1, from) - 1 }
}

/// The retention horizon's log position, looked up at most once a minute for a given setting.
final class RetentionHorizon: Sendable {
    private struct Entry {
        var days: Int
        var minute: Int64
        var position: UInt64
    }

    private let cache = Mutex<Entry?>(nil)

    func cached(days: Int, minute: Int64) -> UInt64? {
        cache.withLock { entry in entry.flatMap { $0.days == days && $0.minute == minute ? $0.position : nil } }
    }

    func remember(days: Int, minute: Int64, position: UInt64) {
        cache.withLock { $0 = Entry(days: days, minute: minute, position: position) }
    }
}

extension ChatCore {
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// What users may see now: with `retentionDays` set, nothing stamped more than that many days
    /// ago (history, catch-up, unread and mention counts).
    func visibility(now: Int64 = Timestamp.now().microseconds) async -> Visibility {
        let (days, head) = withState { ($0.server.settings.retentionDays, $0.position) }
        guard days > 0 else { return Visibility(now: now, from: 1) }
        let minute = now / 60_000_000
        if let position = horizon.cached(days: days, minute: minute) { return Visibility(now: now, from: position) }
        // Saturating: a setting logged before it was bounded must not overflow.
        let (span, overflow) = Int64(days).multipliedReportingOverflow(by: Self.microsecondsPerDay)
        let cutoff = Timestamp(microseconds: overflow || span > now ? 0 : now - span)
        let position: UInt64
        do {
            // None at or after the cutoff: everything logged so far is older.
            position = try await store.firstPosition(atOrAfter: cutoff) ?? head + 1
        } catch {
            // The policy wins over the reader: hide what cannot be dated.
            logger.warning("could not find the retention horizon; hiding history", metadata: ["error": "\(error)"])
            return Visibility(now: now, from: head + 1)
        }
        horizon.remember(days: days, minute: minute, position: position)
        return Visibility(now: now, from: position)
    }
}
