import Crypto
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// FTP over TLS: a data connection must resume the control connection's TLS session (RFC 4217
/// §10.2, and FileZilla Server 1.x refuses it otherwise), so that someone who races the client to
/// a passive port cannot take its data connection even from the same address.
///
/// swift-nio-ssl does not say whether a handshake resumed a session. What it does offer is the
/// server's private key as a callback (`NIOSSLCustomPrivateKey`), and a full handshake signs with
/// the key while a resumed one never does — in TLS 1.2 (an abbreviated handshake) as in 1.3 (a
/// PSK handshake has no CertificateVerify). So the FTP door has a TLS context of its own (one for
/// control and data connections alike: the session tickets must be its own) whose key signs
/// through `WatchedKey`, and each data connection carries a `ResumptionCheck`: the key marks it
/// when it signs for it, and once the handshake completes a marked connection is closed.
struct WatchedKey: NIOSSLCustomPrivateKey, Hashable {
    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
    }

    let key: Key
    /// Which key this is (for Hashable: the keys themselves are not).
    let publicKey: [UInt8]

    /// The key of a PEM, if it is an EC key swift-crypto signs with (the office's is P-256; an
    /// RSA key of the administrator's gets no check, which the server logs).
    init?(pem: String) {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            (self.key, publicKey) = (.p256(key), Array(key.publicKey.x963Representation))
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            (self.key, publicKey) = (.p384(key), Array(key.publicKey.x963Representation))
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            (self.key, publicKey) = (.p521(key), Array(key.publicKey.x963Representation))
        } else {
            return nil
        }
    }

    static func == (a: WatchedKey, b: WatchedKey) -> Bool { a.publicKey == b.publicKey }
    func hash(into hasher: inout Hasher) { hasher.combine(publicKey) }

    var signatureAlgorithms: [SignatureAlgorithm] {
        switch key {
        case .p256: [.ecdsaSecp256R1Sha256]
        case .p384: [.ecdsaSecp384R1Sha384]
        case .p521: [.ecdsaSecp521R1Sha512]
        }
    }

    func sign(channel: any Channel, algorithm: SignatureAlgorithm, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        // Called on the channel's event loop: its pipeline may be read synchronously.
        if let check = try? channel.pipeline.syncOperations.handler(type: ResumptionCheck.self) { check.fullHandshake = true }
        do {
            let bytes = data.readableBytesView
            let signature: [UInt8] = switch key {
            case .p256(let key): Array(try key.signature(for: SHA256.hash(data: bytes)).derRepresentation)
            case .p384(let key): Array(try key.signature(for: SHA384.hash(data: bytes)).derRepresentation)
            case .p521(let key): Array(try key.signature(for: SHA512.hash(data: bytes)).derRepresentation)
            }
            return channel.eventLoop.makeSucceededFuture(ByteBuffer(bytes: signature))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    /// Only RSA key exchange decrypts; an EC key never does.
    func decrypt(channel: any Channel, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeFailedFuture(NIOSSLError.failedToLoadPrivateKey)
    }
}

/// Closes a data connection whose TLS handshake did not resume a session (see `WatchedKey`),
/// and says so to `refused` (the session answers 425 with the reason rather than "broke").
///
/// `@unchecked Sendable`: used only on its channel's event loop (the key's callback runs there).
final class ResumptionCheck: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny

    var fullHandshake = false
    private let refused: @Sendable () -> Void

    init(refused: @escaping @Sendable () -> Void) {
        self.refused = refused
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            if fullHandshake {
                refused()
                context.close(promise: nil)
                return
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
