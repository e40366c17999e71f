import Foundation

/// The addresses people can open: for a server listening on every interface (0.0.0.0 or ::),
/// this machine's LAN addresses, not "0.0.0.0", which no browser can reach.
enum LocalAddresses {
    /// IPv4 addresses of the interfaces that are up, loopback last.
    static func ipv4() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var lan: [String] = [], loopback: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0,
                              NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) != 0 { loopback.append(text) } else if !lan.contains(text) { lan.append(text) }
        }
        return lan + loopback
    }

    /// The URLs to print for a server bound to `host` on `port`.
    static func urls(host: String, port: Int, scheme: String = "http") -> [String] {
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
