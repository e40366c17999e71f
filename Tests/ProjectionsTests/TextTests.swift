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
}

@Suite("Catalogue")
struct CatalogueTests {
    @Test func everyEventTagIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/events.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for tag in DomainEvent.knownTags {
            #expect(text.contains("| \(tag) |"), "tag \(tag) is missing from docs/events.md")
        }
        #expect(DomainEvent.knownTags.count == 46)
    }
}
