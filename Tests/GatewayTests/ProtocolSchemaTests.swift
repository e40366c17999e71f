import CauserieClient
import Foundation
@testable import Gateway
import Testing

/// The frame schemas (docs/protocol.schema.json) are the contract: the validator catches frames
/// that break them, and every numeric field of every client frame, fed hostile numbers, gets
/// the refusal the schema predicts — never a crash, never a closed connection.
@Suite("Protocol schema", .serialized)
struct ProtocolSchemaTests {
    static let schema = ProtocolSchema.shared

    /// The numbers the issue lists: the edges of 64-bit integers and beyond, a float, a string,
    /// and a 10,000-digit number, as JSON literals.
    static let hostile: [String] = [
        "-9223372036854775808", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-1", "0", "1",
        "1e300", "1.5", #""12""#, String(repeating: "9", count: 10_000),
    ]

    /// Whether `literal` is an integer the schema at `rule` accepts.
    static func accepts(_ literal: String, _ rule: JSONValue) -> Bool {
        guard let value = try? JSONValue(parsing: literal) else { return false }
        guard case .number = value, !literal.contains("."), !literal.contains("e"), literal.count < 25 else { return false }
        return schema.errors(value, rule, path: "$").isEmpty && Int64(literal) != nil
    }

    @Test func theValidatorRefusesWhatTheDocumentDoesNotSay() throws {
        let good = try JSONValue(parsing: #"{"type":"ok","id":"c1","position":12}"#)
        #expect(Self.schema.errors(good, against: "serverFrame").isEmpty)
        for bad in [#"{"type":"ok","id":"c1","position":"12"}"#, #"{"type":"ok","id":"c1"}"#,
                    #"{"type":"event","position":1,"time":1,"actor":"u","kind":"room.exploded"}"#,
                    #"{"type":"event","position":1,"time":1,"actor":"u","kind":"member.left","room":"main"}"#,
                    #"{"type":"typing","room":"main","user":"u","extra":1}"#, #"{"type":"nonsense"}"#] {
            #expect(!Self.schema.errors(try JSONValue(parsing: bad), against: "serverFrame").isEmpty, "\(bad)")
        }
        // Every client frame's example is a valid client frame.
        guard case .object(let frames)? = Self.schema.definition("client") else { throw TestError("no client frames") }
        for (name, frame) in frames {
            for example in frame["examples"]?.array ?? [] {
                #expect(Self.schema.errors(example, against: "clientFrame").isEmpty, "\(name) example")
            }
        }
    }

    @Test func everyNumericFieldOfEveryClientFrameSurvivesHostileNumbers() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let client = try await server.client(alice.token)
        guard case .object(let frames)? = Self.schema.definition("client") else { throw TestError("no client frames") }
        var checked = 0
        for (name, frame) in frames.sorted(by: { $0.key < $1.key }) {
            guard case .object(let properties)? = frame["properties"],
                  case .object(let original)? = frame["examples"]?.array.first else { continue }
            for (field, rule) in properties.sorted(by: { $0.key < $1.key }) where Self.isInteger(rule) {
                for literal in Self.hostile {
                    checked += 1
                    let id = "n\(checked)"
                    var example = original
                    example["id"] = .string(id)
                    example[field] = .string("__HOSTILE__")
                    if name == "hello" { example["token"] = .string(alice.token) }
                    let text = Self.text(.object(example)).replacingOccurrences(of: #""__HOSTILE__""#, with: literal)
                    let expected = Self.accepts(literal, rule)
                    let reply = try await name == "hello" ? Self.hello(text, id: id, server) : Self.send(text, id: id, client)
                    if !expected {
                        let reason = reply["reason"]?.string ?? ""
                        #expect(reply["type"]?.string == "error" && reply["code"]?.string == "invalid"
                                && (reason == "out_of_range:\(field)" || reason == "wrong_type:\(field)"),
                                "\(name).\(field) = \(literal.prefix(24)): \(reply)")
                    } else {
                        #expect(reply["type"]?.string != nil, "\(name).\(field) = \(literal): \(reply)")
                    }
                }
            }
            // Still in session after each frame's barrage.
            #expect(try await client.send("ping")["type"]?.string == "ok", "after \(name)")
        }
        #expect(checked >= 100, "numeric fields found: \(checked / Self.hostile.count)")
        await client.close()
        await server.stop()
    }

    static func isInteger(_ rule: JSONValue) -> Bool {
        if rule["type"]?.string == "integer" { return true }
        guard let ref = rule["$ref"]?.string else { return false }
        return schema.definition(ref.replacingOccurrences(of: "#/$defs/", with: ""))?["type"]?.string == "integer"
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .object(let object): "{" + object.sorted { $0.key < $1.key }.map { "\(text(.string($0.key))):\(text($0.value))" }.joined(separator: ",") + "}"
        case .array(let array): "[" + array.map(text).joined(separator: ",") + "]"
        case .string(let string):
            String(decoding: try! JSONSerialization.data(withJSONObject: string, options: [.fragmentsAllowed]), as: UTF8.self)
        case .number(let number): Int64(exactly: number).map(String.init) ?? String(number)
        case .bool(let flag): String(flag)
        case .null: "null"
        }
    }

    static func send(_ text: String, id: String, _ client: TestClient) async throws -> JSONValue {
        client.socket.send(text)
        return try await client.frame { $0["id"]?.string == id }
    }

    /// A hello on a connection of its own (a refused hello closes it).
    static func hello(_ text: String, id: String, _ server: TestServer) async throws -> JSONValue {
        let client = try await TestClient.connect(port: server.port)
        defer { Task { await client.close() } }
        return try await send(text, id: id, client)
    }
}
