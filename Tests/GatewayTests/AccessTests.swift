import Foundation
@testable import Gateway
import Testing

/// User A gets nothing of room B, whatever id they guess, over HTTP or WebSocket.
@Suite("Access matrix", .serialized)
struct AccessTests {
    @Test func anOutsiderGetsNothingOfAPrivateRoom() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let insider = try await server.register("insider")
        let outsider = try await server.register("outsider")
        let i = try await server.client(insider.token)
        let o = try await server.client(outsider.token)
        let room = try #require(try await i.send("createRoom", ["name": "HR", "visibility": "private"])["room"]?.string)
        let posted = try #require(try await i.send("post", ["room": room, "clientId": "1", "text": "salaries"])["position"]?.uint64)

        for id in [room, "main-guess", "r" + String(repeating: "x", count: 12)] {
            let token = outsider.token
            for (method, path, body) in [
                ("GET", "/api/v1/rooms/\(id)", nil), ("GET", "/api/v1/rooms/\(id)/members", nil),
                ("GET", "/api/v1/rooms/\(id)/messages", nil), ("GET", "/api/v1/rooms/\(id)/messages?before=999999", nil),
                ("POST", "/api/v1/rooms/\(id)/messages", jsonText(["text": "hi"])),
                ("PUT", "/api/v1/rooms/\(id)/read", jsonText(["upTo": 1])),
                ("POST", "/api/v1/rooms/\(id)/invite", jsonText(["user": outsider.user])),
                ("POST", "/api/v1/rooms/\(id)/join", jsonText([:])),
            ] as [(String, String, String?)] {
                let result = try await server.http(method, path, token: token, body: body)
                #expect(result.status == 404, "\(method) \(path) gave \(result.status)")
            }
            for (type, fields) in [
                ("history", ["room": id]), ("members", ["room": id]), ("typing", ["room": id]),
                ("post", ["room": id, "clientId": "x", "text": "hi"]), ("join", ["room": id]),
                ("read", ["room": id, "upTo": 1]), ("topic", ["room": id, "topic": "mine"]),
            ] as [(String, [String: any Sendable])] {
                let reply = try await o.send(type, fields)
                #expect(reply["code"]?.string == "notFound", "\(type) on \(id): \(reply)")
            }
        }
        // The message itself, by its position: not editable, not deletable, not quotable.
        for (method, body) in [("PATCH", jsonText(["text": "x"])), ("DELETE", nil)] as [(String, String?)] {
            #expect(try await server.http(method, "/api/v1/messages/\(posted)", token: outsider.token, body: body).status == 404)
        }
        #expect(try await o.send("post", ["room": "main", "clientId": "q", "text": "re", "replyTo": Int(posted)])["code"]?.string == "notFound")
        // And nothing of the room was pushed to the outsider.
        try await i.send("post", ["room": room, "clientId": "2", "text": "more secrets"])
        try await i.send("topic", ["room": room, "topic": "private matters"])
        try await Task.sleep(for: .milliseconds(200))
        #expect(await o.frames().allSatisfy { $0["room"]?.string != room })
        // Nor does a reconnect with an old position replay it.
        let replay = try await server.client(outsider.token, lastSeen: 1)
        // The catch-up has begun (it may take a while on a loaded machine), then give it time to end.
        _ = try await replay.event(timeout: .seconds(20)) { _ in true }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await replay.frames().allSatisfy { $0["room"]?.string != room })
        #expect(!(await replay.events().isEmpty))
        await i.close()
        await o.close()
        await replay.close()
        await server.stop()
    }
}
