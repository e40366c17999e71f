public import Foundation
public import Logging
import NIOCore
import NIOSSL
import Synchronization
import SwiftASN1
import X509

/// How the server speaks TLS (docs/tls.md, ADR 010).
public struct TLSSettings: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// The office certificate authority in `<data>/tls/` (the default of `causerie serve`).
        case office
        /// The admin's own certificate and key, re-read on SIGHUP.
        case files
        /// Plain HTTP, for a TLS-terminating reverse proxy.
        case off
    }

    public var mode: Mode
    /// Names and addresses the office certificate covers besides the machine's own.
    public var names: [String] = []
    /// `files`: PEM certificate chain (server first) and PEM private key.
    public var certificateFile: String?
    public var keyFile: String?
    /// `off`: the proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
    public var trustedProxies: [String] = []
    /// The office server certificate's lifetime, and how long before its end it is renewed.
    public var serverCertificateDays = 365
    public var renewDaysBefore = 30

    public init(mode: Mode) { self.mode = mode }

    /// Plain HTTP, no proxy trusted: what tests and embedders get unless they ask.
    public static let off = TLSSettings(mode: .off)

    /// A name or address a certificate can be made for: an IP address, or a host name of letters,
    /// digits and hyphens in dot-separated labels (any case). No wildcard, no space, no port.
    public static func isCertificateName(_ text: String) -> Bool {
        isIPAddress(text) || ServerNames.isHostName(text.lowercased())
    }

    /// An IPv4 or IPv6 address in text (trusted proxies are addresses, not names).
    public static func isIPAddress(_ text: String) -> Bool { IPAddressText.bytes(text) != nil }
}

/// The TLS context every new connection's handshake uses, replaced when the certificate is
/// renewed or the admin's files are re-read: connections already open keep theirs.
public final class ServerTLS: Sendable {
    /// What the trust page, the banner and the admin panel show about the office authority.
    public struct Authority: Sendable {
        public let pem: String
        public let fingerprint: String
        public let name: String
        public let validUntil: Date
    }

    public struct Current: Sendable {
        let context: NIOSSLContext
        /// The FTP door's: the same certificate, its key watched (FTPTLSResumption.swift); nil
        /// when the key is not one that can be (RSA).
        var ftpContext: NIOSSLContext? = nil
        /// nil with the admin's own certificate (its authority is theirs, not ours to hand out).
        public let authority: Authority?
        public let serverNames: [String]
        public let serverValidUntil: Date
    }

    let settings: TLSSettings
    let directory: String
    let logger: Logger
    private let state: Mutex<Current>

    private init(settings: TLSSettings, directory: String, logger: Logger, current: Current) {
        self.settings = settings
        self.directory = directory
        self.logger = logger
        state = Mutex(current)
    }

    /// nil when TLS is off. Throws, in words for the operator, when the files cannot be used.
    public static func start(_ settings: TLSSettings, dataDirectory: String, logger: Logger, now: Date = Date()) throws -> ServerTLS? {
        let directory = dataDirectory + "/tls"
        switch settings.mode {
        case .off:
            return nil
        case .office:
            let current = try officeContext(settings, directory: directory, logger: logger, now: now)
            return ServerTLS(settings: settings, directory: directory, logger: logger, current: current)
        case .files:
            let current = try filesContext(settings)
            return ServerTLS(settings: settings, directory: directory, logger: logger, current: current)
        }
    }

    public var current: Current { state.withLock { $0 } }

    /// A handshake handler for a new connection, with the context in force now.
    func makeHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: state.withLock { $0.context })
    }

    /// For FTP's control and data connections: whether data connections can be required to
    /// resume the control connection's session.
    func makeFTPHandler() -> (handler: NIOSSLServerHandler, checksResumption: Bool) {
        let (context, ftp) = state.withLock { ($0.context, $0.ftpContext) }
        return (NIOSSLServerHandler(context: ftp ?? context), ftp != nil)
    }

    /// The office certificate renewed if it nears its end or misses an address the machine
    /// now has (hourly, and on SIGHUP); the admin's files re-read (SIGHUP). A failure is logged
    /// and the certificate in force stays.
    public func refresh(now: Date = Date()) {
        do {
            let next: Current
            switch settings.mode {
            case .office: next = try Self.officeContext(settings, directory: directory, logger: logger, now: now)
            case .files: next = try Self.filesContext(settings)
            case .off: return
            }
            state.withLock { $0 = next }
        } catch {
            logger.error("the TLS certificate could not be renewed or re-read; the previous one stays", metadata: [
                "tls.error": "\(error)",
            ])
        }
    }

    // MARK: Contexts

    static func officeContext(_ settings: TLSSettings, directory: String, logger: Logger, now: Date) throws -> Current {
        let office = try CertificateFiles(directory: directory).officeCertificates(
            names: ServerNames.wanted(extra: settings.names), days: settings.serverCertificateDays,
            renewDaysBefore: settings.renewDaysBefore, now: now, logger: logger)
        let context = try makeContext(chain: [try NIOSSLCertificate(bytes: Array(office.serverPEM.utf8), format: .pem)],
                                      key: try NIOSSLPrivateKey(bytes: Array(office.serverKeyPEM.utf8), format: .pem))
        let authority = office.authority
        let name = authority.certificate.subject.description
        return Current(
            context: context,
            ftpContext: try ftpContext(chain: [try NIOSSLCertificate(bytes: Array(office.serverPEM.utf8), format: .pem)],
                                       keyPEM: office.serverKeyPEM),
            authority: Authority(pem: try authority.certificate.serializeAsPEM().pemString, fingerprint: authority.fingerprint,
                                 name: Self.commonName(authority.certificate) ?? name,
                                 validUntil: authority.certificate.notValidAfter),
            serverNames: office.names.dnsNames + office.names.ipAddresses, serverValidUntil: office.serverValidUntil)
    }

    static func filesContext(_ settings: TLSSettings) throws -> Current {
        guard let certificateFile = settings.certificateFile, let keyFile = settings.keyFile else {
            throw TLSFailure("tls.mode \"files\" needs both tls.certificate and tls.key")
        }
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw TLSFailure("the certificate \(certificateFile) cannot be read as PEM: \(error)")
        }
        guard let first = chain.first else { throw TLSFailure("the certificate file \(certificateFile) holds no certificate") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw TLSFailure("the private key \(keyFile) cannot be read as PEM: \(error)")
        }
        let context: NIOSSLContext
        do { context = try makeContext(chain: chain, key: key) } catch {
            throw TLSFailure("the key \(keyFile) does not go with the certificate \(certificateFile): \(error)")
        }
        let parsed = try? Certificate(derEncoded: first.toDERBytes())
        let keyPEM = (try? String(contentsOfFile: keyFile, encoding: .utf8)) ?? ""
        return Current(context: context, ftpContext: try ftpContext(chain: chain, keyPEM: keyPEM), authority: nil,
                       serverNames: parsed.map { ServerNames(certificate: $0) }.map { $0.dnsNames + $0.ipAddresses } ?? [],
                       serverValidUntil: parsed?.notValidAfter ?? .distantFuture)
    }

    /// TLS 1.2 and 1.3, HTTP/1.1 (WebSockets upgrade from it), the library's default ciphers.
    static func makeContext(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        return try NIOSSLContext(configuration: configuration)
    }

    static func ftpContext(chain: [NIOSSLCertificate], keyPEM: String) throws -> NIOSSLContext? {
        guard let key = WatchedKey(pem: keyPEM) else { return nil }
        return try makeContext(chain: chain, key: NIOSSLPrivateKey(customPrivateKey: key))
    }

    static func commonName(_ certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return nil
    }
}

/// Why TLS could not start, in words for the operator.
public struct TLSFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
