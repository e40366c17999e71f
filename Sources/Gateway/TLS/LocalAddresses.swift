import Foundation

/// This machine's names and addresses: the URLs to print for a server listening on every
/// interface (0.0.0.0 or ::, which no browser can reach), and what the office certificate must
/// cover (ADR 010).
public enum LocalAddresses {
    /// Addresses of the interfaces that are up, LAN first, loopback last. IPv6 link-local
    /// addresses (fe80::/10) are left out: they need a zone (`%eth0`) that no certificate or URL
    /// can carry usefully.
    public static func addresses(ipv6: Bool = false) -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var lan: [String] = [], loopback: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || (ipv6 && family == AF_INET6) else { continue }
            let length = family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(length), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.lowercased().hasPrefix("fe80:") || text.contains("%") { continue }
            if entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) != 0 {
                if !loopback.contains(text) { loopback.append(text) }
            } else if !lan.contains(text) {
                lan.append(text)
            }
        }
        return lan + loopback
    }

    /// IPv4 addresses of the interfaces that are up, loopback last.
    public static func ipv4() -> [String] { addresses(ipv6: false) }

    /// The machine's host name, as `gethostname` gives it ("" if none).
    public static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count) == 0 else { return "" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The URLs to print for a server bound to `host` on `port`.
    public static func urls(host: String, port: Int, scheme: String = "http") -> [String] {
        let hosts: [String]
        if host == "0.0.0.0" || host == "::" || host.isEmpty {
            hosts = ipv4().map { $0.hasPrefix("127.") ? "localhost" : $0 }
        } else {
            hosts = [host.contains(":") ? "[\(host)]" : host]
        }
        var seen = Set<String>()
        return hosts.filter { seen.insert($0).inserted }.map { "\(scheme)://\($0):\(port)/" }
    }
}
