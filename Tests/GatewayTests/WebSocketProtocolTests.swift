import CauserieClient
import Foundation
@testable import Gateway
import Projections
import Testing

/// The WebSocket layer itself (ADR 006): control frames, a client's burst of commands, and the
/// server's graceful stop, over real sockets.
@Suite("WebSocket protocol", .serialized)
struct WebSocketProtocolTests {
    @Test func pingsAreAnsweredAndACloseIsEchoed() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let client = try await server.client(alice.token)
        client.socket.sendFrame(opcode: 0x9, payload: Array("are you there".utf8))
        try await eventually { client.socket.pongs == [Array("are you there".utf8)] }
        // A close from the client: the server answers with the same code and closes the socket.
        client.socket.sendFrame(opcode: 0x8, payload: [0x03, 0xE8])
        try await eventually { client.socket.isClosed }
        #expect(client.socket.closeCode == 1000)
        try await eventually { server.core.registry.connections(of: .init(alice.user)).isEmpty }
        // A frame with a reserved opcode fails the connection (protocol error).
        let confused = try await server.client(alice.token)
        confused.socket.sendFrame(opcode: 0x3, payload: [])
        try await eventually { confused.socket.isClosed }
        #expect(confused.socket.closeCode == 1002)
        await server.stop()
    }

    /// A socket that never says hello is told why and closed; one that did stays open.
    @Test func aClientThatNeverSaysHelloIsClosed() async throws {
        let server = try await TestServer.start { $0.limits.helloTimeoutSeconds = 1 }
        defer { server.remove() }
        let alice = try await server.register("alice")
        let greeted = try await server.client(alice.token)
        let silent = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port)
        var frames = silent.messages.makeAsyncIterator()
        let error = try JSONValue(parsing: try #require(await frames.next()))
        #expect(error["type"]?.string == "error" && error["reason"]?.string == "hello_timeout")
        try await eventually { silent.isClosed }
        #expect(silent.closeCode == 1008)
        #expect(try await greeted.send("ping")["type"]?.string == "ok")
        await greeted.close()
        await server.stop()
    }

    /// More commands than the session's inbox holds, sent at once: reading pauses and resumes,
    /// and every command gets its reply, in order.
    @Test func aBurstOfCommandsIsAnsweredInOrder() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let socket = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port)
        var frames = socket.messages.makeAsyncIterator()
        socket.send(#"{"type":"hello","protocol":1,"id":"h","token":"\#(alice.token)"}"#)
        let welcome = try #require(await frames.next())
        #expect(welcome.contains(#""type":"welcome""#))
        let count = WebSocketSession.inboxLimit * 10
        for index in 0..<count { socket.send(#"{"type":"ping","id":"p\#(index)"}"#) }
        // Should reading never resume, the socket closes and the replies come up short.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(10))
            await socket.close()
        }
        defer { watchdog.cancel() }
        var replies: [String] = []
        while replies.count < count, let text = await frames.next() {
            let frame = try JSONValue(parsing: text)
            if let id = frame["id"]?.string, id.hasPrefix("p") {
                #expect(frame["type"]?.string == "ok")
                replies.append(id)
            }
        }
        #expect(replies == (0..<count).map { "p\($0)" })
        await socket.close()
        await server.stop()
    }

    /// A stopping server closes every WebSocket (greeted or not), says why to those in session,
    /// and does not wait for them to leave.
    @Test func aStoppingServerClosesItsWebSockets() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let greeted = try await server.client(alice.token)
        let silent = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port)
        let clock = ContinuousClock()
        let start = clock.now
        await server.stop()
        #expect(clock.now - start < .seconds(5))
        try await eventually { greeted.socket.isClosed && silent.isClosed }
        let closing = try await greeted.frame { $0["type"]?.string == "closing" }
        #expect(closing["reason"]?.string == "server_shutdown")
    }

    /// RFC 6455 §5.1–5.2: a client frame without a mask, or with a reserved bit set (we
    /// negotiate no extension), fails the connection with 1002; a well-formed one next to it is fine.
    @Test(arguments: [(UInt8(0b100), true), (0b010, true), (0b001, true), (0, false)])
    func unmaskedFramesAndReservedBitsFailTheConnection(rsv: UInt8, masked: Bool) async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let client = try await server.client(alice.token)
        client.socket.sendFrame(opcode: 0x1, payload: Array(#"{"type":"ping","id":"p"}"#.utf8), rsv: rsv, masked: masked)
        try await eventually { client.socket.isClosed }
        #expect(client.socket.closeCode == 1002)
        // The server is unharmed.
        let other = try await server.client(alice.token)
        #expect(try await other.send("ping")["type"]?.string == "ok")
        await server.stop()
    }

    /// One frame larger than the decoder takes (1 MiB here) is not read to be thrown away: an
    /// error frame says why, then close 1009. A large message in small frames was skipped with an
    /// error frame and the connection kept (BadInputTests).
    @Test func aFrameTooLargeToReadIsExplainedThenClosed() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let client = try await server.client(alice.token)
        client.socket.sendFrame(opcode: 0x1, payload: [UInt8](repeating: 0x20, count: (1 << 20) + 1))
        let error = try await client.frame { $0["type"]?.string == "error" }
        #expect(error["code"]?.string == "tooLarge" && error["reason"]?.string == "frame_too_large")
        try await eventually { client.socket.isClosed }
        #expect(client.socket.closeCode == 1009)
        await server.stop()
    }

    /// Too many connections from one address: the refused hello gets an error frame (rate
    /// limited, with a retry delay), then close 1008.
    @Test func tooManyConnectionsFromOneAddressAreRefusedWithAReason() async throws {
        let server = try await TestServer.start { $0.limits.connectionsPerAddress = 2 }
        defer { server.remove() }
        let alice = try await server.register("alice")
        let first = try await server.client(alice.token)
        let second = try await server.client(alice.token)
        let third = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port)
        var frames = third.messages.makeAsyncIterator()
        third.send(#"{"type":"hello","id":"h","protocol":1,"token":"\#(alice.token)"}"#)
        let error = try JSONValue(parsing: try #require(await frames.next()))
        #expect(error["type"]?.string == "error" && error["id"]?.string == "h")
        #expect(error["code"]?.string == "rateLimited" && error["reason"]?.string == "connections_per_address")
        #expect(error["retryAfter"]?.int != nil)
        try await eventually { third.isClosed }
        #expect(third.closeCode == 1008)
        #expect(try await first.send("ping")["type"]?.string == "ok")
        await second.close()
        await first.close()
        await server.stop()
    }

    private func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestError("condition not met in \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
