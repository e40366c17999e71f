import Foundation
public import Wire

/// What the server announces over multicast DNS (RFC 6762) with DNS-SD (RFC 6763), and how it
/// answers a question: pure, so the rules are tested without a network.
///
/// Records, for an instance "Office chat" on host "office-pc" port 8080:
/// - `_causerie._tcp.local` and `_https._tcp.local` (`_http` without TLS) PTR → `Office chat._causerie._tcp.local` (…`_https`…)
/// - `_services._dns-sd._udp.local` PTR → both service types (RFC 6763 §9)
/// - each instance: SRV → `office-pc.local:8080`, TXT `txtvers=1 name= version= path=/ scheme= fp=`
/// - `office-pc.local` A → the addresses of the interface the question came in on
public struct ServiceAnnouncement: Sendable, Equatable {
    public var instance: String
    public var host: String
    public var port: UInt16
    public var version: String
    public var fingerprint: String?
    public var secure: Bool

    /// `_https._tcp` for a browser, `_http._tcp` when TLS is off (behind a proxy).
    public var serviceTypes: [String] { ["_causerie._tcp.local", secure ? "_https._tcp.local" : "_http._tcp.local"] }
    static let enumeration = DNSName("_services._dns-sd._udp.local")
    /// RFC 6762 §10: names that depend on a host's addresses 120 s, the others 75 minutes.
    static let hostTTL: UInt32 = 120
    static let otherTTL: UInt32 = 4500

    public init(instance: String, host: String, port: UInt16, version: String, fingerprint: String?, secure: Bool) {
        self.instance = Self.instanceLabel(instance)
        self.host = Self.hostLabel(host)
        self.port = port
        self.version = version
        self.fingerprint = fingerprint
        self.secure = secure
    }

    /// An instance name is any UTF-8 up to 63 bytes (RFC 6763 §4.1.1), cut on a character.
    static func instanceLabel(_ text: String) -> String {
        var label = text.isEmpty ? "Causerie" : text
        while label.utf8.count > 63 { label.removeLast() }
        return label
    }

    /// A host label: letters, digits and hyphens (RFC 952), lower case, from the machine's name.
    static func hostLabel(_ text: String) -> String {
        let first = text.split(separator: ".").first.map(String.init) ?? ""
        let cleaned = String(first.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
            .trimmingCharacters(in: ["-"])
        return cleaned.isEmpty ? "causerie" : String(cleaned.prefix(63))
    }

    public var hostName: DNSName { DNSName([host, "local"]) }
    var types: [DNSName] { serviceTypes.map(DNSName.init) }
    var instanceNames: [DNSName] { types.map { DNSName([instance] + $0.labels) } }
    /// The names we must own alone (probed before use, RFC 6762 §8.1).
    public var uniqueNames: [DNSName] { instanceNames + [hostName] }

    var txt: [[UInt8]] {
        var strings = ["txtvers=1", "name=\(instance)", "version=\(version)", "path=/", "scheme=\(secure ? "https" : "http")"]
        if let fingerprint { strings.append("fp=\(fingerprint)") }
        // RFC 6763 §6.1: each string ≤ 255 bytes.
        return strings.map { Array($0.utf8.prefix(255)) }
    }

    /// Every record, with `addresses` (IPv4, 4 bytes each) for the host; TTL 0 says goodbye.
    public func records(addresses: [[UInt8]], goodbye: Bool = false) -> [DNSRecord] {
        func ttl(_ value: UInt32) -> UInt32 { goodbye ? 0 : value }
        var records: [DNSRecord] = []
        for (type, name) in zip(types, instanceNames) {
            records.append(DNSRecord(name: type, cacheFlush: false, ttl: ttl(Self.otherTTL), data: .ptr(name)))
            records.append(DNSRecord(name: Self.enumeration, cacheFlush: false, ttl: ttl(Self.otherTTL), data: .ptr(type)))
            records.append(DNSRecord(name: name, cacheFlush: true, ttl: ttl(Self.hostTTL),
                                     data: .srv(priority: 0, weight: 0, port: port, target: hostName)))
            records.append(DNSRecord(name: name, cacheFlush: true, ttl: ttl(Self.otherTTL), data: .txt(txt)))
        }
        for address in addresses {
            records.append(DNSRecord(name: hostName, cacheFlush: true, ttl: ttl(Self.hostTTL), data: .a(address)))
        }
        return records
    }

    /// What a question gets: its answers, and the additional records that spare a second round
    /// trip (RFC 6763 §12). Records the asker listed as known with at least half their TTL left
    /// are not repeated (known-answer suppression, RFC 6762 §7.1). Nil when nothing of ours is asked.
    public func answer(_ query: DNSMessage, addresses: [[UInt8]]) -> (answers: [DNSRecord], additionals: [DNSRecord])? {
        guard !query.isResponse else { return nil }
        let all = records(addresses: addresses)
        var answers: [DNSRecord] = []
        for question in query.questions {
            for record in all where record.name == question.name && (question.type == DNSType.any || question.type == record.type) {
                let known = query.answers.contains { $0.isSame(as: record) && $0.ttl >= record.ttl / 2 }
                if !known && !answers.contains(record) { answers.append(record) }
            }
            // Ours, but not of that type: say so, so the asker need not wait (RFC 6762 §6.1).
            if uniqueNames.contains(question.name), question.type != DNSType.any,
               !all.contains(where: { $0.name == question.name && $0.type == question.type }) {
                answers.append(nsec(for: question.name, addresses: addresses))
            }
        }
        guard !answers.isEmpty else { return nil }
        var additionals: [DNSRecord] = []
        func add(_ record: DNSRecord) {
            if !answers.contains(record) && !additionals.contains(record) { additionals.append(record) }
        }
        for record in answers {
            switch record.data {
            case .ptr(let target) where instanceNames.contains(target):
                for extra in all where extra.name == target { add(extra) }
                for extra in all where extra.name == hostName { add(extra) }
            case .srv:
                for extra in all where extra.name == hostName { add(extra) }
            default: break
            }
        }
        return (answers, additionals)
    }

    func nsec(for name: DNSName, addresses: [[UInt8]]) -> DNSRecord {
        let types = Array(Set(records(addresses: addresses).filter { $0.name == name }.map(\.type))).sorted()
        return DNSRecord(name: name, cacheFlush: true, ttl: name == hostName ? Self.hostTTL : Self.otherTTL,
                         data: .nsec(next: name, types: types))
    }

    /// The probe for our unique names (RFC 6762 §8.1): an ANY question for each, asking for
    /// unicast answers, with the records we mean to use in the authority section.
    public func probe(addresses: [[UInt8]]) -> DNSMessage {
        let mine = records(addresses: addresses).filter { uniqueNames.contains($0.name) }
        return DNSMessage(questions: uniqueNames.map { DNSQuestion(name: $0, type: DNSType.any, unicastResponse: true) },
                          authorities: mine.map { var record = $0; record.cacheFlush = false; return record })
    }

    /// Whether a message heard claims one of our unique names with other data than ours: in a
    /// response, any such record (RFC 6762 §9); while probing, also another's probe whose records
    /// sort after ours (the simultaneous-probe tie-break, §8.2).
    public func conflicts(with message: DNSMessage, addresses: [[UInt8]], probing: Bool) -> Bool {
        let mine = records(addresses: addresses)
        if message.isResponse {
            return (message.answers + message.additionals).contains { theirs in
                uniqueNames.contains(theirs.name) && theirs.ttl > 0
                    && !mine.contains { $0.isSame(as: theirs) }
                    // Another address of this very host (a second responder here, such as Avahi,
                    // owning the host name with the same data) is not a conflict; only data that
                    // no record of ours has for that name and type is.
                    && mine.contains { $0.name == theirs.name && $0.type == theirs.type }
            }
        }
        guard probing else { return false }
        for name in uniqueNames {
            let theirs = message.authorities.filter { $0.name == name }
            guard !theirs.isEmpty else { continue }
            let ours = mine.filter { $0.name == name }
            if Self.sortKey(theirs).lexicographicallyPrecedes(Self.sortKey(ours)) || Self.sortKey(theirs) == Self.sortKey(ours) {
                continue
            }
            return true
        }
        return false
    }

    /// RFC 6762 §8.2.1: records compared by class, type, then rdata bytes, in sorted order.
    static func sortKey(_ records: [DNSRecord]) -> [UInt8] {
        let encoded = records.map { record -> [UInt8] in
            var bytes: [UInt8] = []
            bytes.appendUInt16(1)
            bytes.appendUInt16(record.type)
            var full: [UInt8] = []
            full.appendRecord(DNSRecord(name: DNSName([]), cacheFlush: false, ttl: 0, data: record.data))
            // Skip the empty name (1), type (2), class (2), TTL (4), length (2): the rdata.
            bytes.append(contentsOf: full.dropFirst(11))
            return bytes
        }
        return encoded.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }
    }

    /// The next name to try after a conflict: "Office chat (2)", "office-pc-2" (RFC 6762 §9).
    public func renamed() -> ServiceAnnouncement {
        var next = self
        next.instance = Self.bump(instance, separator: " (", suffix: ")")
        next.host = Self.bump(host, separator: "-", suffix: "")
        return next
    }

    static func bump(_ label: String, separator: String, suffix: String) -> String {
        var base = label
        var number = 2
        if label.hasSuffix(suffix), let range = label.range(of: separator, options: .backwards) {
            let digits = label[range.upperBound...].dropLast(suffix.count)
            if let value = Int(digits), value >= 2 {
                base = String(label[..<range.lowerBound])
                number = value + 1
            }
        }
        let tail = "\(separator)\(number)\(suffix)"
        while base.utf8.count + tail.utf8.count > 63 { base.removeLast() }
        return base + tail
    }
}
