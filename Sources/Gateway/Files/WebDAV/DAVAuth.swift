import Foundation
import Projections
import Synchronization

/// Who is asking, for the file server's doors (WebDAV now, FTP next): HTTP Basic with the chat's
/// user name and either the account's password or one of the user's app passwords.
///
/// A file manager sends the credentials with every request, and the account password is hashed
/// with a memory-hard function (a fraction of a second by design): a verified password is kept
/// for ten minutes under a hash of the name, the password and the account's current password
/// hash — a changed password misses the cache at once. App passwords are random tokens checked
/// by their SHA-256, as sessions are. Failures count in the login throttle, by account and by
/// address, like the web's logins.
final class DoorLogin: Sendable {
    let core: ChatCore
    private let verified = Mutex<[String: (user: UserID, until: ContinuousClock.Instant)]>([:])

    init(core: ChatCore) { self.core = core }

    enum Refusal: Error { case credentials, throttled(seconds: Int), disabled }

    func user(username: String, password: String, address: String) async throws(Refusal) -> UserID {
        guard !username.isEmpty, username.utf8.count <= 64, password.utf8.count <= 1024 else { throw .credentials }
        let key = Names.key(username)
        if let wait = core.logins.wait(account: key, address: address) { throw .throttled(seconds: wait) }
        let account = core.withState { $0.accounts.user(named: username) }
        // An app password: a session of kind `app` of this account, by its token's hash.
        if let account, !account.disabled, account.sessions[SecureRandom.tokenHash(password)]?.kind == .app {
            return account.id
        }
        let cacheKey = SecureRandom.tokenHash(key + "\u{0}" + password + "\u{0}" + (account?.passwordHash ?? ""))
        let now = ContinuousClock.now
        if let account, !account.disabled, let hit = verified.withLock({ $0[cacheKey] }), hit.until > now, hit.user == account.id {
            return account.id
        }
        let matches = await core.passwords.verify(String(password.prefix(Limits.passwordBytes)), against: account?.passwordHash ?? core.decoyHash)
        guard let account, matches, account.origin != .bot else {
            core.logins.failed(account: key, address: address)
            throw .credentials
        }
        guard !account.disabled else { throw .disabled }
        core.logins.succeeded(account: key)
        verified.withLock { cache in
            if cache.count > 4096 { cache = cache.filter { $0.value.until > now } }
            cache[cacheKey] = (account.id, now + .seconds(600))
        }
        return account.id
    }

    /// `Authorization: Basic base64(name:password)`, split; nil when absent or malformed.
    static func basic(_ header: String?) -> (username: String, password: String)? {
        guard let header, header.utf8.count <= 4096, header.lowercased().hasPrefix("basic ") else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
