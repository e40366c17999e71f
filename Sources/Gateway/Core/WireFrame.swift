import NIOCore
import NIOWebSocket

/// A WebSocket text (or binary) frame as it goes on the wire: header and payload in one buffer.
///
/// Frames from a server are not masked (RFC 6455 §5.1), so the bytes are the same for every
/// recipient: an event delivered to a thousand connections is framed once, and each connection
/// writes the same buffer below the pipeline's frame encoder (docs/benchmarks.md, fanout).
struct WireFrame: Sendable {
    let bytes: ByteBuffer
    /// The payload's length (what the session statistics count).
    let payloadBytes: Int

    init(text payload: ByteBuffer) {
        self.init(firstByte: 0x81, payload)  // FIN, opcode 1 (text)
    }

    /// A binary frame: voice packets (docs/calls.md).
    init(binary payload: ByteBuffer) {
        self.init(firstByte: 0x82, payload)  // FIN, opcode 2 (binary)
    }

    private init(firstByte: UInt8, _ payload: ByteBuffer) {
        let length = payload.readableBytes
        var bytes = ByteBuffer()
        bytes.reserveCapacity(length + 10)
        bytes.writeInteger(firstByte)
        switch length {
        case ..<126:
            bytes.writeInteger(UInt8(length))
        case ...0xFFFF:
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        default:
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        var payload = payload
        bytes.writeBuffer(&payload)
        self.bytes = bytes
        payloadBytes = length
    }
}

extension Channel {
    /// Ends a WebSocket: `last` (if any) as a text frame, then a close frame with `code` and
    /// `reason`, then the socket closes once they are written.
    func closeWebSocket(saying last: ByteBuffer? = nil, code: WebSocketErrorCode, reason: String = "") {
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: code)
        payload.writeString(reason)
        if let last { write(WebSocketFrame(fin: true, opcode: .text, data: last), promise: nil) }
        writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)).whenComplete { [self] _ in
            close(mode: .all, promise: nil)
        }
    }
}
