import Foundation

/// Whose address a request is (address rules, login throttling, "last address" in the admin
/// panel). The socket's peer, unless that peer is one of the configured reverse proxies (TLS
/// off, docs/tls.md): then the nearest address in `X-Forwarded-For` that is not itself a proxy.
/// A client can write any `X-Forwarded-For` it likes, so from anyone else the header means
/// nothing.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    init(trustedProxies: [String]) {
        self.trustedProxies = Set(trustedProxies.map { Self.canonical($0) })
    }

    func resolve(peer: String, forwardedFor: [String]) -> String {
        guard !trustedProxies.isEmpty, trustedProxies.contains(Self.canonical(peer)) else { return peer }
        // "client, proxy1, proxy2": each proxy appends the address it got the request from, so
        // the list is read from the right, skipping our own proxies.
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { Self.canonical($0.trimmingCharacters(in: .whitespaces)) }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return IPAddressText.bytes(hop) == nil ? peer : hop
        }
        return peer
    }

    /// Whether the request reached the proxy over HTTPS (X-Forwarded-Proto), believed only
    /// from a configured proxy.
    func forwardedSecure(peer: String, forwardedProto: String?) -> Bool {
        guard trustedProxies.contains(Self.canonical(peer)), let proto = forwardedProto else { return false }
        return proto.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }

    /// "::ffff:10.0.0.2" and "10.0.0.2" are one address; "[::1]" is "::1".
    static func canonical(_ text: String) -> String {
        var value = text
        if value.hasPrefix("["), let end = value.firstIndex(of: "]") { value = String(value[value.index(after: value.startIndex)..<end]) }
        if let bytes = IPAddressText.bytes(value) {
            if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return IPAddressText.text(Array(bytes[12...]))
            }
            return IPAddressText.text(bytes)
        }
        return value
    }
}
