public import Wire

/// What `causerie discover` asks over multicast DNS and how it reads the answers: a one-shot
/// query for `_causerie._tcp.local` PTR (RFC 6762 §5.1), answered to the asker alone, and each
/// instance's SRV, TXT and A records put back together as a discovery answer.
public enum ServiceBrowse {
    public static let serviceType = DNSName("_causerie._tcp.local")

    public static func query(id: UInt16) -> DNSMessage {
        DNSMessage(id: id, questions: [DNSQuestion(name: serviceType, type: DNSType.ptr)])
    }

    /// The servers described by the responses heard, one per instance, in the order first heard.
    public static func servers(in responses: [DNSMessage]) -> [DiscoveryMessage.Answer] {
        let records = responses.filter(\.isResponse).flatMap { $0.answers + $0.additionals }.filter { $0.ttl > 0 }
        var instances: [DNSName] = []
        for record in records where record.name == serviceType {
            if case .ptr(let instance) = record.data, !instances.contains(instance) { instances.append(instance) }
        }
        return instances.compactMap { instance in
            var target: DNSName?
            var port: UInt16 = 0
            var text: [String: String] = [:]
            for record in records where record.name == instance {
                switch record.data {
                case .srv(_, _, let p, let t): (target, port) = (t, p)
                case .txt(let strings):
                    for string in strings {
                        let pair = String(decoding: string, as: UTF8.self).split(separator: "=", maxSplits: 1)
                        if pair.count == 2 { text[String(pair[0]).lowercased()] = String(pair[1]) }
                    }
                default: break
                }
            }
            guard let target, port != 0 else { return nil }
            let scheme = text["scheme"] == "http" ? "http" : "https"
            var urls: [String] = []
            for record in records where record.name == target {
                if case .a(let bytes) = record.data {
                    let url = "\(scheme)://\(bytes.map(String.init).joined(separator: ".")):\(port)/"
                    if !urls.contains(url) { urls.append(url) }
                }
            }
            // The .local name last: it needs an mDNS resolver on the asking machine.
            urls.append("\(scheme)://\(target.labels.joined(separator: ".")):\(port)/")
            return DiscoveryMessage.Answer(name: text["name"] ?? instance.labels.first ?? "", version: text["version"] ?? "",
                                           urls: urls, fingerprint: text["fp"])
        }
    }
}
