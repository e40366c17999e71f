import EventStore
import Logging
import Projections
import Synchronization

// Idle login sessions expire (docs/adr/008-idle-sessions-expire.md): use is recorded at most
// about once a day per session, and an hourly sweep ends the sessions unused for too long.

extension ChatCore {
    /// The idle period in µs; nil: sessions never expire.
    var sessionIdle: Int64? {
        let seconds = configuration.limits.sessionIdleSeconds
        return seconds > 0 ? Int64(seconds) * 1_000_000 : nil
    }

    /// How stale a session's last use may get before it is recorded again: a day, or a tenth of
    /// the idle period when that is shorter.
    var sessionRefreshInterval: Int64 {
        min(Self.microsecondsPerDay, (sessionIdle ?? 0) / 10)
    }

    /// How often the sweep runs: an hour, or a quarter of the idle period when that is shorter;
    /// nil when sessions never expire.
    var sessionSweepPeriod: Duration? {
        sessionIdle.map { .microseconds(min(3_600_000_000, max(1_000_000, $0 / 4))) }
    }

    /// Records, in the background, that a session was used (once at a time per session).
    func refreshSoon(_ user: UserID, tokenHash: String) {
        guard refreshing.withLock({ $0.insert(tokenHash).inserted }) else { return }
        Task {
            defer { _ = refreshing.withLock { $0.remove(tokenHash) } }
            do {
                try await execute(RefreshSession(tokenHash: tokenHash), by: user)
            } catch {
                logger.debug("session use not recorded", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Open connections count as use; then every login session unused for longer than the idle
    /// period ends (and its connections, if any, close with `session_expired`).
    func expireIdleSessions() async {
        guard let idle = sessionIdle else { return }
        let now = Timestamp.now().microseconds
        var inUse: [(UserID, String)] = []
        for user in registry.connectedUsers() {
            for connection in registry.connections(of: user) { inUse.append((user, connection.tokenHash)) }
        }
        let stale = withState { state in
            inUse.filter { user, hash in
                guard let used = state.accounts[user]?.sessions[hash]?.usedAt else { return false }
                return now - used > sessionRefreshInterval
            }
        }
        for (user, hash) in stale { _ = try? await execute(RefreshSession(tokenHash: hash), by: user) }
        do {
            try await execute(ExpireSessions(idle: idle), by: .system)
        } catch {
            logger.warning("could not end idle sessions; will retry", metadata: ["error": "\(error)"])
        }
    }
}
