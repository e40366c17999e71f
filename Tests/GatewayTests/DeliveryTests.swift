import Foundation
import NIOCore
@testable import Gateway
import Projections
import CauserieClient
import Testing

@Suite("Offline delivery and resumption", .serialized)
struct DeliveryTests {
    static func positions(_ events: [JSONValue]) -> [UInt64] { events.compactMap { $0["position"]?.uint64 } }

    @Test func aReconnectingClientGetsExactlyWhatItMissedInOrder() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let a = try await server.client(alice.token)
        let b = try await server.client(bob.token)
        try await a.send("post", ["room": "main", "clientId": "m0", "text": "before"])
        let seen = try await b.event { $0["kind"]?.string == "message.posted" }
        let lastSeen = try #require(seen["position"]?.uint64)
        await b.close()

        // While Bob is away: the general room, a direct message to him, and a private room he is
        // not in (which he must not receive).
        let c = try await server.client(carol.token)
        let secret = try #require(try await c.send("createRoom", ["name": "Secret", "visibility": "private"])["room"]?.string)
        try await c.send("post", ["room": secret, "clientId": "s1", "text": "not for bob"])
        var sent: [UInt64] = []
        for index in 1...3 {
            sent.append(try #require(try await a.send("post", ["room": "main", "clientId": "m\(index)", "text": "missed \(index)"])["position"]?.uint64))
        }
        let direct = try await a.send("direct", ["user": bob.user, "clientId": "d1", "text": "call me"])
        sent.append(try #require(direct["position"]?.uint64))

        let back = try await server.client(bob.token, lastSeen: lastSeen)
        _ = try await back.event { $0["kind"]?.string == "message.posted" && $0["text"]?.string == "call me" }
        // Live afterwards, with no gap between catch-up and live.
        let live = try #require(try await a.send("post", ["room": "main", "clientId": "m9", "text": "live"])["position"]?.uint64)
        _ = try await back.event { $0["position"]?.uint64 == live }
        let events = await back.events()
        let messages = events.filter { $0["kind"]?.string == "message.posted" }
        #expect(messages.compactMap { $0["position"]?.uint64 } == sent + [live])
        let all = Self.positions(events)
        #expect(all == all.sorted())
        #expect(Set(all).count == all.count)
        #expect(!events.contains { $0["room"]?.string == secret })
        #expect(all.allSatisfy { $0 > lastSeen })
        await a.close()
        await c.close()
        await back.close()
        await server.stop()
    }

    @Test func reconnectingDuringABurstLosesAndRepeatsNothing() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let burst = Task {
            var positions: [UInt64] = []
            for index in 0..<150 {
                let reply = try await a.send("post", ["room": "main", "clientId": "b\(index)", "text": "burst \(index)"])
                guard let position = reply["position"]?.uint64 else { throw TestError("post refused: \(reply)") }
                positions.append(position)
            }
            return positions
        }
        // Bob connects, reads some, drops, and comes back, several times, while the burst runs.
        var received: [UInt64] = []
        var lastSeen: UInt64? = nil
        var firstWelcome: UInt64 = 0
        for _ in 0..<4 {
            let b = try await server.client(bob.token, lastSeen: lastSeen)
            // A client resumes from what it has seen: at least what its first welcome reflected
            // (on a loaded machine a round may see no post at all).
            if lastSeen == nil, let welcome = await b.frames().first(where: { $0["type"]?.string == "welcome" }),
               let position = welcome["data"]?["position"]?.uint64 {
                firstWelcome = position
                lastSeen = position
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...80)))
            // One snapshot for both: events arriving between two would be counted as seen, not received.
            let events = await b.events()
            let got = events.filter { $0["kind"]?.string == "message.posted" }.compactMap { $0["position"]?.uint64 }
            let all = Self.positions(events)
            received += got
            if let last = all.last { lastSeen = last }
            await b.close()
        }
        let sent = try await burst.value
        let final = try await server.client(bob.token, lastSeen: lastSeen)
        let lastSent = try #require(sent.last)
        // On a loaded machine the burst may be over before the last reconnection has read it all.
        if (lastSeen ?? 0) < lastSent {
            _ = try await final.event(timeout: .seconds(10)) { $0["position"]?.uint64 == lastSent }
        }
        received += await final.events().filter { $0["kind"]?.string == "message.posted" }.compactMap { $0["position"]?.uint64 }
        // The first connection had no lastSeen: it starts from its welcome, so compare from there.
        #expect(received == sent.filter { $0 > firstWelcome })
        await a.close()
        await final.close()
        await server.stop()
    }

    /// Dead peers are found by TCP keep-alive (no WebSocket ping task per connection).
    @Test func webSocketsAreWatchedByTCPKeepAlive() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let client = try await server.client(alice.token)
        let connection = try #require(server.core.registry.connections(of: UserID(alice.user)).first)
        let channel = connection.channel
        let keepAlive = try await channel.getOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_KEEPALIVE)).get()
        let idle = try await channel.getOption(ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), TCP_KEEPIDLE)).get()
        let count = try await channel.getOption(ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), TCP_KEEPCNT)).get()
        #expect(keepAlive != 0 && idle == 60 && count == 3)
        await client.close()
        await server.stop()
    }

    @Test func aClientTooSlowToReadIsDisconnectedAndResumesWithoutLoss() async throws {
        let server = try await TestServer.start { $0.limits.outboxFrames = 16 }
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let a = try await server.client(alice.token)
        let slow = try await TestClient.connect(port: server.port, receiveBufferSize: 4096)
        try await slow.hello(bob.token)
        let welcomePosition = try #require(await slow.welcome?["data"]?["position"]?.uint64)
        slow.socket.pauseReading()
        var sent: [UInt64] = []
        let long = String(repeating: "x", count: 3900)
        // Enough to fill the kernel's buffers (4 MiB on the server's side) and then the outbox.
        for index in 0..<4000 {
            let reply = try await a.send("post", ["room": "main", "clientId": "s\(index)", "text": "\(index) \(long)"])
            sent.append(try #require(reply["position"]?.uint64))
            if server.core.registry.connections(of: .init(bob.user)).isEmpty { break }
        }
        #expect(server.core.registry.connections(of: .init(bob.user)).isEmpty, "the slow client was cut off")
        slow.socket.resumeReading()
        await slow.close()
        let back = try await server.client(bob.token, lastSeen: welcomePosition)
        let lastSent = try #require(sent.last)
        _ = try await back.event(timeout: .seconds(10)) { $0["position"]?.uint64 == lastSent }
        let got = await back.events().filter { $0["kind"]?.string == "message.posted" }.compactMap { $0["position"]?.uint64 }
        #expect(got == sent)
        await a.close()
        await back.close()
        await server.stop()
    }
}
