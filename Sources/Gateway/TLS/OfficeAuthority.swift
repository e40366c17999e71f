import Crypto
import Foundation
import SwiftASN1
import X509

/// The office's own certificate authority and the server certificates it signs (ADR 010).
/// Pure: keys, certificates and dates in, certificates out; files are `CertificateFiles`'.
struct OfficeAuthority: Sendable {
    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    /// How long the authority lasts: devices trust it once, for years.
    static let authorityYears = 10

    /// A new authority named for this machine ("Causerie office CA (deskpc)").
    static func create(hostName: String, now: Date) throws -> OfficeAuthority {
        let key = P256.Signing.PrivateKey()
        let label = hostName.isEmpty ? "" : " (\(hostName.prefix(40)))"
        let name = try DistinguishedName {
            OrganizationName("Causerie")
            CommonName("Causerie office CA" + label)
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            // An hour back: a device whose clock is a little behind still accepts it.
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: Calendar(identifier: .gregorian).date(byAdding: .year, value: authorityYears, to: now) ?? now,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: .init(key))
        return OfficeAuthority(key: key, certificate: certificate)
    }

    /// A server certificate for `names`, valid `days` from an hour before `now`.
    func issue(for names: ServerNames, days: Int, now: Date) throws -> (key: P256.Signing.PrivateKey, certificate: Certificate) {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        var general: [GeneralName] = names.dnsNames.map { .dnsName($0) }
        general += names.ipAddresses.compactMap { address in
            IPAddressText.bytes(address).map { .ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        }
        let subject = try DistinguishedName {
            OrganizationName("Causerie")
            CommonName(names.dnsNames.first ?? names.ipAddresses.first ?? "causerie")
        }
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: self.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(general)
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            },
            issuerPrivateKey: .init(self.key))
        return (key, certificate)
    }

    /// What people compare: SHA-256 of the authority's DER, as browsers show it ("3A:9F:…").
    var fingerprint: String { Self.fingerprint(of: certificate) }

    static func fingerprint(of certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return "" }
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }
}

/// The names and addresses a server certificate is for.
struct ServerNames: Equatable, Sendable {
    var dnsNames: [String]
    var ipAddresses: [String]

    /// What this machine answers on now: its host name, `<host>.local` (mDNS), `localhost`, the
    /// configured extra names, every address of its interfaces, and loopback.
    static func wanted(extra: [String], hostName: String = LocalAddresses.hostName(),
                       addresses: [String] = LocalAddresses.addresses(ipv6: true)) -> ServerNames {
        var names = ServerNames(dnsNames: [], ipAddresses: [])
        let host = hostName.lowercased()
        for name in [host, host.contains(".") ? "" : host + ".local", "localhost"] + extra.map({ $0.lowercased() }) {
            names.add(name)
        }
        for address in addresses + ["127.0.0.1", "::1"] { names.add(address) }
        return names
    }

    /// A name or an address, each once; what is neither (an empty host name, a name with a
    /// space) is left out.
    mutating func add(_ text: String) {
        if let bytes = IPAddressText.bytes(text) {
            let canonical = IPAddressText.text(bytes)
            if !ipAddresses.contains(canonical) { ipAddresses.append(canonical) }
        } else if Self.isHostName(text), !dnsNames.contains(text) {
            dnsNames.append(text)
        }
    }

    /// Letters, digits and hyphens in dot-separated labels of 1–63 characters, 253 at most.
    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }

    /// Whether a certificate for `self` also serves every name of `other`.
    func covers(_ other: ServerNames) -> Bool {
        Set(other.dnsNames).isSubset(of: dnsNames) && Set(other.ipAddresses).isSubset(of: ipAddresses)
    }

    /// The names a certificate carries.
    init(certificate: Certificate) {
        self.init(dnsNames: [], ipAddresses: [])
        guard let alternatives = try? certificate.extensions.subjectAlternativeNames else { return }
        for name in alternatives {
            switch name {
            case .dnsName(let text): dnsNames.append(text)
            case .ipAddress(let octets): ipAddresses.append(IPAddressText.text(Array(octets.bytes)))
            default: break
            }
        }
    }

    init(dnsNames: [String], ipAddresses: [String]) {
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
    }
}

/// IP addresses between text and bytes (inet_pton / inet_ntop).
enum IPAddressText {
    static func bytes(_ text: String) -> [UInt8]? {
        // Plain byte buffers rather than in_addr/in6_addr: those C types are declared by several
        // modules (Glibc, NIO's CNIOLinux) and the compiler may attribute them to either.
        var v4 = [UInt8](repeating: 0, count: 4)
        if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 { return v6 }
        return nil
    }

    static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard bytes.count == 4 || bytes.count == 16,
              bytes.withUnsafeBytes({ inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }) != nil
        else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
