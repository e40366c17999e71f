import Foundation
import Projections
import Synchronization

/// The anti-flood limit per user: a token bucket of `burst` messages refilled at `perMinute`.
/// Over the limit a message is refused with the seconds to wait, never silently dropped.
final class FloodControl: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private let buckets = Mutex([UserID: Bucket]())

    /// Takes one token; returns nil if allowed, else the seconds until one is available.
    func take(_ user: UserID, limit: FloodLimit, now: Double = Date().timeIntervalSince1970) -> Int? {
        let rate = Double(limit.perMinute) / 60
        return buckets.withLock { buckets in
            var bucket = buckets[user] ?? Bucket(tokens: Double(limit.burst), updated: now)
            bucket.tokens = min(Double(limit.burst), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            defer { buckets[user] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return Int(((1 - bucket.tokens) / rate).rounded(.up))
        }
    }
}

/// Failed logins per account and per address (the socket's, never a header). After too many,
/// logins are refused for a time that doubles with each further failure, up to an hour.
final class LoginThrottle: Sendable {
    private struct Record {
        var failures = 0
        var lockedUntil: Double = 0
        var lastFailure: Double = 0
    }

    private let records = Mutex([String: Record]())
    let perAccount: Int
    let perAddress: Int

    init(perAccount: Int, perAddress: Int) {
        self.perAccount = perAccount
        self.perAddress = perAddress
    }

    /// Seconds to wait before trying again, or nil if a login may be tried now.
    func wait(account: String, address: String, now: Double = Date().timeIntervalSince1970) -> Int? {
        records.withLock { records in
            let waits = ["a:" + account, "i:" + address].compactMap { key -> Double? in
                guard let record = records[key], record.lockedUntil > now else { return nil }
                return record.lockedUntil - now
            }
            return waits.max().map { Int($0.rounded(.up)) }
        }
    }

    func failed(account: String, address: String, now: Double = Date().timeIntervalSince1970) {
        records.withLock { records in
            for (key, limit) in [("a:" + account, perAccount), ("i:" + address, perAddress)] {
                var record = records[key] ?? Record()
                // Failures older than an hour are forgiven.
                if now - record.lastFailure > 3600 { record.failures = 0 }
                record.failures += 1
                record.lastFailure = now
                if record.failures >= limit {
                    let doublings = min(6, record.failures - limit)
                    record.lockedUntil = now + min(3600, 30 * pow(2, Double(doublings)))
                }
                records[key] = record
            }
        }
    }

    func succeeded(account: String) {
        _ = records.withLock { $0.removeValue(forKey: "a:" + account) }
    }
}
