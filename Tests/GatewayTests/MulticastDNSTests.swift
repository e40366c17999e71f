@testable import Gateway
import Testing
import Wire

/// The mDNS wire format and the announcement's rules, without a network (the netns test in
/// DiscoveryTests shows them against python-zeroconf).
@Suite struct MulticastDNSTests {
    let office = ServiceAnnouncement(instance: "Office chat", host: "office-pc.lan", port: 8443, version: "1.2.3",
                                     fingerprint: "AB:CD", secure: true)
    let lan: [[UInt8]] = [[192, 168, 1, 20]]

    @Test func everyRecordTypeReadsBackAsWritten() throws {
        let message = DNSMessage(
            id: 7, flags: DNSMessage.responseFlags,
            questions: [DNSQuestion(name: DNSName("_causerie._tcp.local"), type: DNSType.ptr, unicastResponse: true)],
            answers: office.records(addresses: lan),
            authorities: [DNSRecord(name: DNSName("x.local"), cacheFlush: false, ttl: 1, data: .aaaa(Array(0..<16)))],
            additionals: [office.nsec(for: office.hostName, addresses: lan),
                          DNSRecord(name: DNSName("y.local"), cacheFlush: true, ttl: 9, data: .txt([]))])
        let decoded = try #require(DNSMessage(decoding: message.encoded()))
        #expect(decoded.questions == message.questions)
        #expect(decoded.answers == message.answers)
        #expect(decoded.authorities == message.authorities)
        // NSEC is read back as bytes (we never need to read one), an empty TXT as one empty string.
        #expect(decoded.additionals[0].type == DNSType.nsec)
        #expect(decoded.additionals[1].data == .txt([[]]))
    }

    @Test func compressedNamesAreFollowedBackwardsOnly() {
        // Header, then a question "a.local" at 12, then a question whose name points to it.
        var bytes: [UInt8] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]
        bytes += [1, 97, 5] + Array("local".utf8) + [0, 0, 1, 0, 1]
        bytes += [0xC0, 12, 0, 12, 0, 1]
        let message = DNSMessage(decoding: bytes)
        #expect(message?.questions.map(\.name) == [DNSName("a.local"), DNSName("A.LOCAL")])
        // A pointer to itself, or forwards: refused, not followed forever.
        var loop: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        loop += [0xC0, 12, 0, 1, 0, 1]
        #expect(DNSMessage(decoding: loop) == nil)
        var forward: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        forward += [0xC0, 14, 1, 97, 0, 0, 1, 0, 1]
        #expect(DNSMessage(decoding: forward) == nil)
    }

    @Test func malformedMessagesAreRefusedNotTrappedOn() {
        let good = DNSMessage(flags: DNSMessage.responseFlags, answers: office.records(addresses: lan)).encoded()
        // Every truncation of a good message.
        for length in 0..<good.count { #expect(DNSMessage(decoding: Array(good.prefix(length))) == nil, "\(length)") }
        // Counts that the bytes cannot hold.
        #expect(DNSMessage(decoding: [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == nil)
        // A label length with the reserved 0x40/0x80 bits.
        #expect(DNSMessage(decoding: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 0, 1, 0, 1]) == nil)
        // A record whose data length disagrees with its content.
        var record: [UInt8] = [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        record += [0, 0, 12, 0, 1, 0, 0, 0, 10, 0, 5, 1, 97, 0, 0, 0]
        #expect(DNSMessage(decoding: record) == nil)
        // Random bytes, and good messages with random bytes changed: nil or a message, never a trap.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = DNSMessage(decoding: bytes)
            _ = DNSMessage(decoding: (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255) })
        }
    }

    @Test func aBrowseIsAnsweredWithEverythingNeededToConnect() throws {
        let query = DNSMessage(questions: [DNSQuestion(name: DNSName("_causerie._tcp.local"), type: DNSType.ptr)])
        let (answers, additionals) = try #require(office.answer(query, addresses: lan))
        #expect(answers.map(\.data) == [.ptr(DNSName("Office chat._causerie._tcp.local"))])
        #expect(additionals.contains { $0.data == .srv(priority: 0, weight: 0, port: 8443, target: DNSName("office-pc.local")) })
        #expect(additionals.contains { $0.data == .a([192, 168, 1, 20]) })
        let txt = try #require(additionals.first { $0.type == DNSType.txt })
        guard case .txt(let strings) = txt.data else { return }
        #expect(strings.map { String(decoding: $0, as: UTF8.self) }.contains("fp=AB:CD"))
        // Read back by the browse side, it is one server with its URLs.
        let reply = DNSMessage(flags: DNSMessage.responseFlags, answers: answers, additionals: additionals)
        let found = ServiceBrowse.servers(in: [try #require(DNSMessage(decoding: reply.encoded()))])
        #expect(found == [DiscoveryMessage.Answer(name: "Office chat", version: "1.2.3",
                                                  urls: ["https://192.168.1.20:8443/", "https://office-pc.local:8443/"],
                                                  fingerprint: "AB:CD")])
        // The DNS-SD service enumeration lists both types.
        let types = try #require(office.answer(DNSMessage(questions: [DNSQuestion(name: DNSName("_services._dns-sd._udp.local"),
                                                                                       type: DNSType.ptr)]), addresses: lan))
        #expect(Set(types.answers.map(\.data)) == [.ptr(DNSName("_causerie._tcp.local")), .ptr(DNSName("_https._tcp.local"))])
    }

    @Test func knownAnswersOthersNamesAndMissingTypes() throws {
        let question = DNSQuestion(name: DNSName("_https._tcp.local"), type: DNSType.ptr)
        let ptr = office.records(addresses: lan).first { $0.name == question.name }!
        // The asker already holds it with more than half its TTL: not repeated.
        #expect(office.answer(DNSMessage(questions: [question], answers: [ptr]), addresses: lan) == nil)
        var stale = ptr
        stale.ttl = ptr.ttl / 4
        #expect(office.answer(DNSMessage(questions: [question], answers: [stale]), addresses: lan) != nil)
        // Someone else's name, and any response: no answer.
        #expect(office.answer(DNSMessage(questions: [DNSQuestion(name: DNSName("printer.local"), type: DNSType.a)]), addresses: lan) == nil)
        #expect(office.answer(DNSMessage(flags: DNSMessage.responseFlags, questions: [question]), addresses: lan) == nil)
        // Our host has no IPv6 address: said with NSEC (RFC 6762 §6.1), not by silence.
        let aaaa = try #require(office.answer(DNSMessage(questions: [DNSQuestion(name: office.hostName, type: DNSType.aaaa)]),
                                              addresses: lan))
        #expect(aaaa.answers.map(\.type) == [DNSType.nsec])
    }

    @Test func conflictsAreOtherDataForOurNamesOnly() {
        func response(_ records: [DNSRecord]) -> DNSMessage { DNSMessage(flags: DNSMessage.responseFlags, answers: records) }
        let otherAddress = DNSRecord(name: office.hostName, cacheFlush: true, ttl: 120, data: .a([192, 168, 1, 99]))
        #expect(office.conflicts(with: response([otherAddress]), addresses: lan, probing: false))
        // Our own announcement heard back (multicast loops), or another responder of this host
        // saying the same: no conflict. A goodbye neither.
        #expect(!office.conflicts(with: response(office.records(addresses: lan)), addresses: lan, probing: false))
        var goodbye = otherAddress
        goodbye.ttl = 0
        #expect(!office.conflicts(with: response([goodbye]), addresses: lan, probing: false))
        // Another's IPv6 address for the name: a type we do not announce.
        #expect(!office.conflicts(with: response([DNSRecord(name: office.hostName, cacheFlush: true, ttl: 120, data: .aaaa(Array(0..<16)))]),
                                  addresses: lan, probing: false))
        // Simultaneous probes: the lexicographically later data wins (RFC 6762 §8.2).
        let later = ServiceAnnouncement(instance: "Office chat", host: "office-pc", port: 9000, version: "1", fingerprint: nil, secure: true)
        let earlier = ServiceAnnouncement(instance: "Office chat", host: "office-pc", port: 80, version: "1", fingerprint: nil, secure: true)
        #expect(earlier.conflicts(with: later.probe(addresses: lan), addresses: lan, probing: true))
        #expect(!later.conflicts(with: earlier.probe(addresses: lan), addresses: lan, probing: true))
        #expect(!later.conflicts(with: later.probe(addresses: lan), addresses: lan, probing: true))
    }

    @Test func renamingCountsUp() {
        let second = office.renamed()
        #expect(second.instance == "Office chat (2)" && second.host == "office-pc-2")
        let third = second.renamed()
        #expect(third.instance == "Office chat (3)" && third.host == "office-pc-3")
        let long = ServiceAnnouncement(instance: String(repeating: "é", count: 40), host: "h", port: 1, version: "1", fingerprint: nil,
                                       secure: false)
        #expect(long.instance.utf8.count <= 63 && long.renamed().instance.utf8.count <= 63 && long.renamed().instance.hasSuffix(" (2)"))
        #expect(ServiceAnnouncement.hostLabel("Bureau_Étage 2.example") == "bureau--tage-2")
        #expect(ServiceAnnouncement.hostLabel("") == "causerie")
        #expect(long.serviceTypes == ["_causerie._tcp.local", "_http._tcp.local"])
    }
}
