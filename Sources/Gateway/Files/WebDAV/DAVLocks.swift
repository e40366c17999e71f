import Foundation
import Synchronization

/// WebDAV locks (RFC 4918 §6–7, class 2), which macOS Finder and Microsoft Office need before they
/// write. Held in memory: a lock is a client's advisory claim for minutes, not a fact of the
/// domain — after a restart clients simply lock again (Office does on its next save). The log
/// records what was written, not who held a lock.
final class DAVLocks: Sendable {
    struct Lock: Sendable {
        var token: String
        /// The locked resource's key ("area|path", case-folded like file names).
        var key: String
        var owner: String
        var user: String
        var exclusive: Bool
        var depthInfinity: Bool
        var expires: ContinuousClock.Instant
        var timeoutSeconds: Int
    }

    static let defaultTimeout = 600
    static let maximumTimeout = 3600
    /// Per user, so that one client cannot fill the server's memory with locks.
    static let maximumPerUser = 1000

    private let locks = Mutex<[String: Lock]>([:])

    /// Locks that cover `key` (on it, or depth-infinity on a folder above it).
    func covering(_ key: String) -> [Lock] {
        let now = ContinuousClock.now
        return locks.withLock { table in
            table = table.filter { $0.value.expires > now }
            return table.values.filter { $0.key == key || ($0.depthInfinity && key.hasPrefix($0.key + "/")) }
        }
    }

    /// A new lock, unless an incompatible one is held: nil then (423).
    func lock(key: String, owner: String, user: String, exclusive: Bool, depthInfinity: Bool, timeout: Int) -> Lock? {
        let now = ContinuousClock.now
        return locks.withLock { table -> Lock? in
            table = table.filter { $0.value.expires > now }
            let held = table.values.filter { $0.key == key || ($0.depthInfinity && key.hasPrefix($0.key + "/"))
                || (depthInfinity && $0.key.hasPrefix(key + "/")) }
            if held.contains(where: { $0.exclusive || exclusive }) { return nil }
            guard table.values.filter({ $0.user == user }).count < Self.maximumPerUser else { return nil }
            let seconds = min(max(timeout, 1), Self.maximumTimeout)
            let lock = Lock(token: "opaquelocktoken:" + UUID().uuidString.lowercased(), key: key, owner: owner, user: user,
                            exclusive: exclusive, depthInfinity: depthInfinity, expires: now + .seconds(seconds), timeoutSeconds: seconds)
            table[lock.token] = lock
            return lock
        }
    }

    /// A refresh (LOCK with an If header and no body) of the caller's own lock.
    func refresh(token: String, user: String, timeout: Int) -> Lock? {
        locks.withLock { table -> Lock? in
            guard var lock = table[token], lock.user == user, lock.expires > ContinuousClock.now else { return nil }
            lock.timeoutSeconds = min(max(timeout, 1), Self.maximumTimeout)
            lock.expires = ContinuousClock.now + .seconds(lock.timeoutSeconds)
            table[token] = lock
            return lock
        }
    }

    func unlock(token: String, user: String) -> Bool {
        locks.withLock { table in
            guard let lock = table[token], lock.user == user else { return false }
            table[token] = nil
            return true
        }
    }

    /// Whether a write to `key` may go ahead: no lock covers it, or the request names one of the
    /// locks that do (the `If` header's tokens) and they are the caller's.
    func mayWrite(_ key: String, user: String, tokens: Set<String>) -> Bool {
        covering(key).allSatisfy { tokens.contains($0.token) && $0.user == user }
    }

    /// Drops the locks on a resource that is gone (deleted or moved away).
    func removeAll(under key: String) {
        locks.withLock { table in table = table.filter { $0.value.key != key && !$0.value.key.hasPrefix(key + "/") } }
    }

    /// The lock tokens named in an `If` header (`(<opaquelocktoken:…>)`, tagged or not).
    static func tokens(inIfHeader header: String?) -> Set<String> {
        guard let header else { return [] }
        var tokens: Set<String> = []
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<") {
            let after = rest.index(after: open)
            guard let close = rest[after...].firstIndex(of: ">") else { break }
            let inside = rest[after..<close]
            if inside.hasPrefix("opaquelocktoken:") { tokens.insert(String(inside)) }
            rest = rest[rest.index(after: close)...]
        }
        return tokens
    }
}
