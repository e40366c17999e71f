import CauserieClient
import Foundation
@testable import Gateway
import Testing

/// Malformed, oversized and hostile input: a clear error, and the connection stays open.
@Suite("Bad input", .serialized)
struct BadInputTests {
    @Test func malformedFramesGetAnErrorAndTheConnectionSurvives() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let a = try await server.client(alice.token)
        let cases: [(String, String)] = [
            ("{not json", "malformed_json"),
            ("[1,2,3]", "malformed_json"),
            (#"{"type":"launch","id":"1"}"#, "unknown_type"),
            (#"{"type":"post","id":"2","room":"main","clientId":"c","text":42}"#, "wrong_type:text"),
            (#"{"type":"post","id":"3","room":"main"}"#, "missing_field:clientId"),
            (#"{"type":"post","room":"main","clientId":"c","text":"no id"}"#, "missing_field:id"),
            (#"{"type":"edit","id":"4","message":"seven","text":"x"}"#, "wrong_type:message"),
            (String(repeating: "[", count: 20000) + String(repeating: "]", count: 20000), "malformed_json"),
        ]
        for (text, reason) in cases {
            let reply = try await a.sendRaw(text)
            #expect(reply["type"]?.string == "error", "\(text.prefix(40))")
            #expect(reply["reason"]?.string == reason, "\(text.prefix(40)) → \(reply)")
        }
        // Invalid UTF-8, a binary frame, an oversized message split over frames.
        a.socket.sendFrame(opcode: 0x1, payload: [0x7B, 0xFF, 0xFE, 0x7D])
        #expect(try await a.nextReply()["reason"]?.string == "invalid_utf8")
        #expect(try await a.sendRaw(#"{"type":"ping","id":"p1"}"#)["type"]?.string == "ok")
        a.socket.sendFrame(opcode: 0x2, payload: [1, 2, 3])
        #expect(try await a.nextReply()["reason"]?.string == "binary_frame")
        let chunk = [UInt8](repeating: 0x61, count: 40_000)
        a.socket.sendFrame(opcode: 0x1, payload: chunk, fin: false)
        a.socket.sendFrame(opcode: 0x0, payload: chunk, fin: true)
        #expect(try await a.nextReply()["reason"]?.string == "frame_too_large")
        #expect(try await a.sendRaw(#"{"type":"ping","id":"p2"}"#)["type"]?.string == "ok")
        // Still alive and well.
        #expect(try await a.send("post", ["room": "main", "clientId": "ok", "text": "still here"])["type"]?.string == "ok")
        await a.close()
        await server.stop()
    }

    @Test func commandsBeforeHelloAndBadTokensAreRefused() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let client = try await TestClient.connect(port: server.port)
        let early = try await client.sendRaw(#"{"type":"post","id":"1","room":"main","clientId":"c","text":"x"}"#)
        #expect(early["reason"]?.string == "not_authenticated")
        do {
            try await client.hello("not-a-token")
            Issue.record("a bad token must be refused")
        } catch {}
        try await client.waitClosed()
        await server.stop()
    }

    @Test func badHTTPRequestsGetClearErrors() async throws {
        let server = try await TestServer.start { $0.limits.maxBodyBytes = 4096 }
        defer { server.remove() }
        let alice = try await server.register("alice")
        let t = alice.token
        #expect(try await server.http("POST", "/api/v1/rooms", token: t, body: "{oops").body["reason"]?.string == "malformed_json")
        #expect(try await server.http("POST", "/api/v1/rooms", token: t, body: #"{"name":7}"#).body["reason"]?.string == "wrong_type:name")
        let big = try await server.http("POST", "/api/v1/rooms/main/messages", token: t,
                                         body: jsonText(["text": String(repeating: "z", count: 10_000)]))
        #expect(big.status == 413)
        #expect(try await server.http("GET", "/api/v1/rooms", token: "forged").status == 401)
        #expect(try await server.http("GET", "/api/v1/rooms").status == 401)
        #expect(try await server.http("GET", "/api/v1/messages/notanumber").status >= 400)
        let headers = Dictionary(uniqueKeysWithValues: (0..<150).map { ("X-Filler-\($0)", "v") })
        let tooMany = try? await server.http("GET", "/api/v1/server", headers: headers)
        #expect(tooMany == nil || tooMany!.status >= 400)
        // The server is fine afterwards.
        #expect(try await server.http("GET", "/api/v1/server").status == 200)
        await server.stop()
    }

    /// The report that opened issue 11: dates in milliseconds whose microseconds overflow, over
    /// HTTP and WebSocket, once trapped the whole server. Now: 400 / an error frame naming the field.
    @Test func numbersThatOverflowAreRefusedNotTrapped() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let t = alice.token
        for query in ["from=9223372036854776", "from=0&to=9223372036854776", "from=-9223372036854776",
                      "after=18446744073709551615", "limit=201", "limit=0", "before=1e3", "author=bob"] {
            let reply = try await server.http("GET", "/api/v1/rooms/main/messages?\(query)", token: t)
            #expect(reply.status == 400, "\(query): \(reply.status) \(reply.body)")
        }
        #expect(try await server.http("GET", "/api/v1/rooms/nowhere/messages?from=9223372036854776", token: t).status == 400)
        #expect(try await server.http("GET", "/api/v1/rooms/nowhere/messages?from=1", token: t).status == 404)
        let a = try await server.client(t)
        for (id, field, value, expected) in [("h1", "from", "9223372036854776", "out_of_range:from"),
                                             ("h2", "after", "18446744073709551615", "out_of_range:after"),
                                             ("h3", "to", "-9223372036854776", "out_of_range:to"),
                                             ("h4", "after", "9223372036854775807", nil)] {
            a.socket.send(#"{"type":"history","id":"\#(id)","room":"main","from":0,"\#(field)":\#(value)}"#
                .replacingOccurrences(of: #""from":0,"from""#, with: #""from""#)
                .replacingOccurrences(of: #""from":0,"after""#, with: #""after""#))
            let reply = try await a.frame { $0["id"]?.string == id }
            if let expected {
                #expect(reply["reason"]?.string == expected, "\(id): \(reply)")
            } else {
                #expect(reply["type"]?.string == "history", "\(id): \(reply)")
            }
        }
        #expect(try await a.send("ping")["type"]?.string == "ok")
        #expect(try await server.http("GET", "/api/v1/server").status == 200)
        await a.close()
        await server.stop()
    }

    /// A method a path does not serve is 405 with the methods it does (RFC 9110 §15.5.6); a
    /// path nothing serves stays 404.
    @Test func methodsNotServedAre405WithAllow() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        for (method, path, allow) in [("TRACE", "/api/v1/rooms", "GET, POST"), ("DELETE", "/api/v1/server", "GET"),
                                      ("PUT", "/index.html", "GET"), ("POST", "/api/v1/rooms/main/members", "GET"),
                                      ("PATCH", "/api/v1/rooms/directory", "GET"), ("HEAD", "/api/v1/server", "GET")] {
            let reply = try await server.http(method, path)
            #expect(reply.status == 405, "\(method) \(path): \(reply.status)")
            #expect(reply.headers["allow"] == allow, "\(method) \(path): \(reply.headers)")
            // A HEAD response has no body.
            if method != "HEAD" { #expect(reply.body["code"]?.string == "methodNotAllowed") }
        }
        let missing = try await server.http("POST", "/api/v1/nothing")
        #expect(missing.status == 404 && missing.body["code"]?.string == "notFound", "\(missing.body)")
        #expect(try await server.http("GET", "/api/v1/rooms").status == 401)
        await server.stop()
    }
}
