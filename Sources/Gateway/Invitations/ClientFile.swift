public import Crypto
public import Foundation

/// The small signed file an administrator hands out (docs/invitations.md): where the server is,
/// the fingerprint of its office authority to compare, the server password if it has one, and
/// optionally an invitation for one named person. The same bytes, base64url, are the `#join=`
/// part of an invitation link (a fragment: never sent to a server, never in a proxy's log).
///
/// The signature is HMAC-SHA256, with a key only this server holds (`client-files.key`, 0600), over
/// the file's canonical JSON without its signature: a file changed by hand, or signed by another
/// server, is refused when opened.
public struct ClientFile: Codable, Sendable, Equatable {
    /// The format's version.
    public var causerie = 1
    public var name: String
    /// Where to open it, the best address first.
    public var url: String
    public var urls: [String]
    public var fingerprint: String?
    public var serverPassword: String?
    public var invitation: Invitation?
    public var signature: String?

    public struct Invitation: Codable, Sendable, Equatable {
        public var id: String
        public var username: String
        public var displayName: String
        /// Milliseconds since the epoch.
        public var expires: Int64
        /// Base64url; the server keeps only its SHA-256.
        public var secret: String
    }

    /// The largest file (and link payload) accepted: a few hundred bytes are normal.
    public static let maximumBytes = 8192

    var canonical: [UInt8] {
        var unsigned = self
        unsigned.signature = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(unsigned)) ?? Data())
    }

    /// The file as handed out: JSON, pretty enough to read.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// For the `#join=` link.
    public var linkPayload: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Base64URL.encode(Array((try? encoder.encode(self)) ?? Data()))
    }

    /// A file from a person: JSON, or the base64url of a link.
    public static func parse(_ text: String) -> ClientFile? {
        guard text.utf8.count <= maximumBytes * 2 else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = trimmed.hasPrefix("{") ? Array(trimmed.utf8) : Base64URL.decode(trimmed)
        guard let bytes, bytes.count <= maximumBytes else { return nil }
        return try? JSONDecoder().decode(ClientFile.self, from: Data(bytes))
    }
}

/// Signs and checks client files with this server's key.
public struct ClientFileSigner: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// The key in `directory/client-files.key`, made (32 random bytes, 0600) on first use.
    public static func load(dataDirectory directory: String) throws -> ClientFileSigner {
        ClientFileSigner(key: try PrivateFile.key(directory + "/client-files.key", losing: "files handed out before stop working"))
    }

    public func sign(_ file: ClientFile) -> ClientFile {
        var signed = file
        signed.signature = Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: file.canonical, using: key)))
        return signed
    }

    /// Whether the file is as this server signed it.
    public func verify(_ file: ClientFile) -> Bool {
        guard let signature = file.signature.flatMap(Base64URL.decode), signature.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: file.canonical, using: key)
    }
}

/// Base64 with the URL alphabet and no padding (RFC 4648 §5).
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
