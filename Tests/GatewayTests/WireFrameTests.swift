@testable import Gateway
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// A frame framed once for many connections must read back, with NIO's own decoder, as the same
/// text frame: at each boundary of the three length encodings (RFC 6455 §5.2).
@Suite struct WireFrameTests {
    @Test(arguments: [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
    func decodesAsTheSameTextFrame(length: Int) throws {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) })
        let wire = WireFrame(text: payload)
        #expect(wire.payloadBytes == length)

        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(wire.bytes)
        let frame = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(frame.fin)
        #expect(frame.opcode == .text)
        #expect(frame.maskKey == nil)
        #expect(frame.unmaskedData == payload)
        #expect(try channel.readInbound(as: WebSocketFrame.self) == nil)
        _ = try channel.finish()
    }
}
