import Foundation
import Projections
import Testing

@Suite("Text")
struct TextTests {
    @Test func mentionsAreFoundButNotInEmailAddresses() {
        #expect(MessageText.mentionedNames(in: "@alice and @bob.smith, mail carol@office.lan @alice") == ["alice", "bob.smith"])
        #expect(MessageText.mentionedNames(in: "end @dave.") == ["dave"])
    }

    @Test func emoticonsAreDetected() {
        #expect(MessageText.containsEmoticon("ok 👍"))
        #expect(MessageText.containsEmoticon("fine :)"))
        #expect(!MessageText.containsEmoticon("Copyright © 2026, 10:30"))
    }

    @Test func addressBlocksMatch() {
        #expect(AddressBlock("192.168.1.0/24")!.contains("192.168.1.77"))
        #expect(!AddressBlock("192.168.1.0/24")!.contains("192.168.2.1"))
        #expect(AddressBlock("10.0.0.7")!.contains("10.0.0.7"))
        #expect(AddressBlock("::1")!.contains("::1"))
        #expect(AddressBlock("fd00::/8")!.contains("fd12:3456::1"))
        #expect(AddressBlock("127.0.0.0/8")!.contains("::ffff:127.0.0.1"))
        #expect(AddressBlock("300.1.1.1") == nil && AddressBlock("1.2.3.4/33") == nil && AddressBlock("::1::2") == nil)
    }

    @Test func everyEventRoundTripsThroughItsBinaryForm() throws {
        var given = Given.server(users: ["alice", "bob"])
        given.run(CreateRoom(room: "r", name: "Room", topic: "t", visibility: .public, passwordHash: "p"), by: "alice")
        given.run(PostMessage(room: "r", clientID: "c", text: "hé @bob", replyTo: nil), by: "alice")
        let samples: [DomainEvent] = [
            .memberMuted(.init(user: "bob", until: -5)), .floodLimitChanged(.init(limit: FloodLimit(burst: 3, perMinute: 9))),
            .connectionClosed(.init(connection: "c", bytesIn: .max, bytesOut: 0)),
            .messagePosted(.init(clientID: "x", text: "", replyTo: 42, mentions: ["a", "b"])),
            .broadcastSent(.init(text: "all", recipients: [])), .userDisabled(.init()),
        ]
        for event in samples {
            let decoded = try DomainEvent.decode(tag: event.tag, version: event.version, payload: event.encodedPayload())
            #expect(decoded == event)
        }
        // Truncated payloads are refused, not misread.
        let posted = DomainEvent.messagePosted(.init(clientID: "x", text: "hello", replyTo: 1, mentions: ["a"]))
        let bytes = posted.encodedPayload()
        #expect(throws: DomainEvent.DecodingFailure.self) {
            try DomainEvent.decode(tag: posted.tag, version: 1, payload: Array(bytes.dropLast(2)))
        }
        #expect(throws: DomainEvent.DecodingFailure.self) { try DomainEvent.decode(tag: 9999, version: 1, payload: []) }
    }

    /// A broadcast logged before version 2 (no groups) or 3 (no must-read flag) still reads, forever;
    /// a version from the future is refused by name.
    @Test func olderPayloadVersionsKeepDecoding() throws {
        var writer = BinaryWriter()
        writer.write("Fire drill at 3 pm")
        writer.write([UserID("u1"), UserID("u2")])
        let old = try DomainEvent.decode(tag: BroadcastSent.tag, version: 1, payload: writer.bytes)
        #expect(old == .broadcastSent(.init(text: "Fire drill at 3 pm", recipients: ["u1", "u2"], groups: [])))
        // Version 2 added the groups, version 3 the must-read flag (false for what was logged before).
        writer.write([GroupID("sales")])
        let second = try DomainEvent.decode(tag: BroadcastSent.tag, version: 2, payload: writer.bytes)
        #expect(second == .broadcastSent(.init(text: "Fire drill at 3 pm", recipients: ["u1", "u2"], groups: ["sales"], mustRead: false)))
        let current = DomainEvent.broadcastSent(.init(text: "t", recipients: ["u1"], groups: ["sales"], mustRead: true))
        #expect(current.version == 3)
        #expect(try DomainEvent.decode(tag: current.tag, version: 3, payload: current.encodedPayload()) == current)
        #expect(throws: DomainEvent.DecodingFailure.self) {
            try DomainEvent.decode(tag: BroadcastSent.tag, version: 4, payload: current.encodedPayload())
        }
    }
}

@Suite("Catalogue")
struct CatalogueTests {
    @Test func everyEventTagIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/events.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        // The tags of the catalogue's tables ("| 54 | InvitationDeclined | …").
        let documented = Set(text.split(separator: "\n").compactMap { line -> UInt16? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: true)
            guard line.hasPrefix("|"), let first = cells.first else { return nil }
            return UInt16(first.trimmingCharacters(in: .whitespaces))
        })
        #expect(documented == Set(DomainEvent.knownTags),
                "undocumented: \(Set(DomainEvent.knownTags).subtracting(documented).sorted()), unknown: \(documented.subtracting(DomainEvent.knownTags).sorted())")
    }
}
