import Crypto
import Foundation

/// Read keys for the browser: an `<img>` preview or a download link cannot carry the session's
/// bearer token, and a file should not be fetched whole into script memory to save it. So the
/// client asks for a key (`GET /api/v1/files/key`) and puts it in file URLs (`?key=`).
///
/// A key is `<expires>.<session>.<mac>`: when it expires (seconds since the epoch), the hash of
/// the session's token (what the log already stores, not a credential), and an HMAC-SHA256 over
/// both with a key only this server holds (`file-links.key`, 0600). It only opens
/// `GET /api/v1/files/{file}`, only while its session lives (a logout ends it), and the caller's
/// rights are checked on every use as with the header. Pages send no Referer (`no-referrer`),
/// so a key does not leave in one.
struct FileReadKeys: Sendable {
    let key: SymmetricKey
    /// Twelve hours: the client asks again on each connection and every hour.
    static let lifetime: Int64 = 12 * 3600

    static func load(dataDirectory directory: String) throws -> FileReadKeys {
        FileReadKeys(key: try PrivateFile.key(directory + "/file-links.key", losing: "file links handed out before stop working"))
    }

    /// A key for a session, and when it expires (seconds since the epoch).
    func issue(session: String, now: Int64 = Int64(Date().timeIntervalSince1970)) -> (key: String, expires: Int64) {
        let expires = now + Self.lifetime
        return ("\(expires).\(session).\(mac(session: session, expires: expires))", expires)
    }

    /// The session a key names, if this server made it and it has not expired.
    func session(of text: String, now: Int64 = Int64(Date().timeIntervalSince1970)) -> String? {
        guard text.utf8.count <= 256 else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expires = Int64(parts[0]), expires > now, expires <= now + Self.lifetime,
              parts[1].utf8.count == 64, parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
              let given = Base64URL.decode(String(parts[2])), given.count == 32
        else { return nil }
        let session = String(parts[1])
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Array(Self.message(session, expires).utf8), using: key)
            ? session : nil
    }

    private func mac(session: String, expires: Int64) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(Self.message(session, expires).utf8), using: key)))
    }

    private static func message(_ session: String, _ expires: Int64) -> String { "files|\(session)|\(expires)" }
}
