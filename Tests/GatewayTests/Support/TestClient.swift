import CauserieClient
import Foundation

/// A real WebSocket client of the protocol: sends commands, matches replies by id, and keeps
/// every other frame (events, presence…) for the test to wait on.
final class TestClient: Sendable {
    let socket: WebSocketClient
    private let inbox = Inbox()
    private let reader: Task<Void, Never>
    let counter = Counter()

    /// The welcome frame, once said hello.
    var welcome: JSONValue? { get async { await inbox.welcome } }

    private init(socket: WebSocketClient) {
        self.socket = socket
        let inbox = self.inbox
        reader = Task {
            for await text in socket.messages {
                await inbox.add(text)
            }
            await inbox.finish()
        }
    }

    static func connect(port: Int, receiveBufferSize: Int? = nil, onBinary: (@Sendable ([UInt8]) -> Void)? = nil) async throws
        -> TestClient
    {
        TestClient(socket: try await WebSocketClient.connect(host: "127.0.0.1", port: port,
                                                             receiveBufferSize: receiveBufferSize, onBinary: onBinary))
    }

    func hello(_ token: String, lastSeen: UInt64? = nil, extra: [String: any Sendable] = [:]) async throws {
        var frame: [String: any Sendable] = ["type": "hello", "protocol": 1, "token": token, "id": "hello"]
        if let lastSeen { frame["lastSeen"] = Int(lastSeen) }
        for (key, value) in extra { frame[key] = value }
        socket.send(jsonText(frame))
        let reply = try await inbox.reply(to: "hello")
        guard reply["type"]?.string == "welcome" else { throw TestError("hello refused: \(reply)") }
    }

    /// Sends a command and waits for its reply (ok, error or a data frame with the same id).
    @discardableResult
    func send(_ type: String, _ fields: [String: any Sendable] = [:]) async throws -> JSONValue {
        let id = "c\(counter.next())"
        var frame = fields
        frame["type"] = type
        frame["id"] = id
        socket.send(jsonText(frame))
        return try await inbox.reply(to: id)
    }

    /// Sends raw text and waits for the next reply or error frame (for malformed input).
    func sendRaw(_ text: String) async throws -> JSONValue {
        socket.send(text)
        return try await inbox.nextControl()
    }

    /// Waits for the next reply not yet taken (after a frame sent with `socket` directly).
    func nextReply() async throws -> JSONValue {
        try await inbox.nextControl()
    }

    /// Waits for an event frame matching `predicate`.
    func event(timeout: Duration = .seconds(5), _ predicate: @escaping @Sendable (JSONValue) -> Bool) async throws -> JSONValue {
        try await inbox.wait(timeout: timeout) { $0["type"]?.string == "event" && predicate($0) }
    }

    /// Waits for any frame matching `predicate`.
    func frame(timeout: Duration = .seconds(5), _ predicate: @escaping @Sendable (JSONValue) -> Bool) async throws -> JSONValue {
        try await inbox.wait(timeout: timeout, predicate)
    }

    /// Every event frame received so far, in order.
    func events() async -> [JSONValue] { await inbox.all.filter { $0["type"]?.string == "event" } }

    /// Every frame received so far.
    func frames() async -> [JSONValue] { await inbox.all }

    var isFinished: Bool { get async { await inbox.finished } }

    /// Waits until the server closes the connection.
    func waitClosed(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await inbox.finished { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestError("connection still open")
    }

    func close() async {
        await socket.close()
        reader.cancel()
    }
}

final class Counter: Sendable {
    private let value = NSLock()
    nonisolated(unsafe) private var current = 0
    func next() -> Int {
        value.lock()
        defer { value.unlock() }
        current += 1
        return current
    }
}

actor Inbox {
    private(set) var all: [JSONValue] = []
    private(set) var finished = false
    private var consumedControl = 0
    var welcome: JSONValue? { all.first { $0["type"]?.string == "welcome" } }

    /// Every frame the server sends is checked against docs/protocol.schema.json.
    func add(_ text: String) {
        let frame = (try? JSONValue(parsing: text)) ?? .string(text)
        ProtocolSchema.shared.checkServerFrame(frame)
        all.append(frame)
    }

    func finish() { finished = true }

    func wait(timeout: Duration, _ predicate: @Sendable (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = all.first(where: predicate) { return found }
            if finished { throw TestError("connection closed while waiting; got \(all.suffix(5))") }
            if ContinuousClock.now > deadline { throw TestError("timed out waiting; last frames: \(all.suffix(5))") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func reply(to id: String) async throws -> JSONValue {
        try await wait(timeout: .seconds(10)) { $0["id"]?.string == id }
    }

    /// The next ok/error frame not seen by this call before.
    func nextControl() async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let controls = all.filter { ["ok", "error"].contains($0["type"]?.string ?? "") }
            if controls.count > consumedControl {
                consumedControl += 1
                return controls[consumedControl - 1]
            }
            if finished { throw TestError("closed") }
            if ContinuousClock.now > deadline { throw TestError("no reply; last frames: \(all.suffix(5))") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
