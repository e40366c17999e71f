import CauserieClient
import Foundation
import NIOPosix
import NIOSSL
import Synchronization

/// One load-generator connection: says hello, then hands every frame to a callback on the event
/// loop (no tasks, no JSON parsing: the generator shares the machine with the server).
final class BenchConnection: Sendable {
    let socket: WebSocketClient
    private let welcomed = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    private init(socket: WebSocketClient) {
        self.socket = socket
    }

    static func open(host: String = "127.0.0.1", port: Int, token: String, localAddress: String? = nil,
                     group: MultiThreadedEventLoopGroup, tls: NIOSSLContext? = nil, serverName: String? = "localhost",
                     onBinary: (@Sendable ([UInt8]) -> Void)? = nil,
                     onFrame: @escaping @Sendable ([UInt8]) -> Void) async throws -> BenchConnection {
        let holder = WelcomeBox()
        let socket = try await WebSocketClient.connect(
            host: host, port: port, localAddress: localAddress, group: group, tls: tls, serverHostname: tls == nil ? nil : serverName,
            onText: { bytes in
            if !holder.seen, Frames.contains(bytes, Frames.welcome) {
                holder.seen = true
                holder.signal()
                return
            }
            onFrame(bytes)
        }, onBinary: onBinary)
        let connection = BenchConnection(socket: socket)
        holder.signal = { connection.markWelcomed() }
        socket.send(#"{"type":"hello","protocol":1,"id":"h","users":false,"token":"\#(token)"}"#)
        await connection.waitWelcome()
        return connection
    }

    private func markWelcomed() {
        let waiter = welcomed.withLock { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func waitWelcome() async {
        await withCheckedContinuation { continuation in
            let now = welcomed.withLock { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    func send(_ text: String) { socket.send(text) }
}

/// Set and read on one event loop only (the connection's).
final class WelcomeBox: @unchecked Sendable {
    var seen = false
    var signal: @Sendable () -> Void = {}
}

/// Byte-level helpers for frames. The generator shares the machine with the server, so each
/// frame costs it one `memmem` or two, and no allocation.
enum Frames {
    static let welcome = Array(#""type":"welcome""#.utf8)
    static let posted = Array(#""kind":"message.posted""#.utf8)
    static let ok = Array(#""type":"ok""#.utf8)
    static let error = Array(#""type":"error""#.utf8)
    static let sendTimeMarker = Array(#""text":"t="#.utf8)

    /// Where `needle` starts in `bytes`, if it does: `memchr` for its first byte, `memcmp` for
    /// the rest (glibc's `memmem` is not visible from Swift here).
    static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        return bytes.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needle in
                let base = haystack.baseAddress!
                let last = haystack.count - needle.count
                var index = 0
                while index <= last {
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                    index = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + index, needle.baseAddress!, needle.count) == 0 { return index }
                    index += 1
                }
                return nil
            }
        }
    }

    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool { find(needle, in: bytes) != nil }

    /// The number after `"text":"t=` (a send time in nanoseconds), if any.
    static func sendTime(_ bytes: [UInt8]) -> UInt64? {
        guard let start = find(sendTimeMarker, in: bytes) else { return nil }
        var value: UInt64 = 0
        var index = start + sendTimeMarker.count
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            value = value * 10 + UInt64(bytes[index] - 48)
            index += 1
        }
        return value
    }
}

/// Monotonic nanoseconds (comparable within this process).
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Latencies and counts gathered from event-loop callbacks.
final class Recorder: Sendable {
    private let state = Mutex((latencies: [Double](), deliveries: 0, acks: 0, errors: 0))

    func delivered(latencyMs: Double?) {
        state.withLock { state in
            state.deliveries += 1
            if let latencyMs { state.latencies.append(latencyMs) }
        }
    }

    func acked() { state.withLock { $0.acks += 1 } }
    func failed() { state.withLock { $0.errors += 1 } }

    var deliveries: Int { state.withLock { $0.deliveries } }
    var acks: Int { state.withLock { $0.acks } }
    var errors: Int { state.withLock { $0.errors } }

    func reset() { state.withLock { $0 = ([], 0, 0, 0) } }

    func percentiles() -> (p50: Double, p99: Double, count: Int) {
        let sorted = state.withLock { $0.latencies }.sorted()
        return (Measure.percentile(sorted, 0.5), Measure.percentile(sorted, 0.99), sorted.count)
    }
}

/// Opens connections with bounded concurrency.
func openConnections(count: Int, concurrency: Int = 200, _ open: @escaping @Sendable (Int) async throws -> BenchConnection)
    async throws -> [BenchConnection]
{
    try await withThrowingTaskGroup(of: (Int, BenchConnection).self) { group in
        var results = [BenchConnection?](repeating: nil, count: count)
        var next = 0
        while next < min(concurrency, count) {
            let index = next
            group.addTask { (index, try await open(index)) }
            next += 1
        }
        while let (index, connection) = try await group.next() {
            results[index] = connection
            if next < count {
                let index = next
                group.addTask { (index, try await open(index)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}

/// A post frame whose text starts with its send time.
func postFrame(id: String, room: String, size: Int) -> String {
    var text = "t=\(monotonicNanoseconds()) "
    while text.utf8.count < size { text += "lorem ipsum " }
    return #"{"type":"post","id":"\#(id)","room":"\#(room)","clientId":"\#(id)","text":"\#(text.prefix(size))"}"#
}
