import Crypto
import Foundation
import Logging
import SwiftASN1
import X509

/// The office authority's files in `<data>/tls/` (ADR 010): `ca.key`, `ca.crt`, `server.key`,
/// `server.crt`. The directory is 0700 and the keys 0600 whatever the umask; each file is
/// written whole to a temporary name and renamed, so a crash leaves the old file or the new one.
struct CertificateFiles {
    let directory: String

    struct Office {
        let authority: OfficeAuthority
        let serverKeyPEM: String
        let serverPEM: String
        let names: ServerNames
        let serverValidUntil: Date
    }

    /// The authority (created at the very first start, never replaced silently: devices trust
    /// it) and a server certificate covering `names`, re-issued when it is missing, unreadable,
    /// not from this authority, ends within `renewDaysBefore`, or misses a name.
    func officeCertificates(names: ServerNames, days: Int, renewDaysBefore: Int, now: Date, logger: Logger) throws -> Office {
        try prepareDirectory()
        let authority = try loadOrCreateAuthority(now: now, logger: logger)
        if let current = try? loadServer(signedBy: authority) {
            let enough = current.certificate.notValidAfter.timeIntervalSince(now) > Double(renewDaysBefore) * 86_400
            let started = current.certificate.notValidBefore <= now
            let covered = ServerNames(certificate: current.certificate)
            if enough, started, covered.covers(names) {
                return Office(authority: authority, serverKeyPEM: current.keyPEM, serverPEM: current.pem, names: covered,
                              serverValidUntil: current.certificate.notValidAfter)
            }
            logger.notice("renewing the server certificate", metadata: [
                "tls.valid_until": "\(current.certificate.notValidAfter)",
                "tls.missing": "\(Set(names.dnsNames + names.ipAddresses).subtracting(covered.dnsNames + covered.ipAddresses).sorted())",
            ])
        }
        // Never beyond the authority's own end: a client would refuse the rest.
        let remaining = Int(authority.certificate.notValidAfter.timeIntervalSince(now) / 86_400)
        let issued = try authority.issue(for: names, days: max(1, min(days, remaining)), now: now)
        let pem = try issued.certificate.serializeAsPEM().pemString
        let keyPEM = issued.key.pemRepresentation
        try write("server.key", keyPEM, mode: 0o600)
        try write("server.crt", pem, mode: 0o644)
        logger.notice("issued a server certificate from the office authority", metadata: [
            "tls.names": "\((names.dnsNames + names.ipAddresses).joined(separator: " "))",
            "tls.valid_until": "\(issued.certificate.notValidAfter)",
        ])
        return Office(authority: authority, serverKeyPEM: keyPEM, serverPEM: pem, names: names,
                      serverValidUntil: issued.certificate.notValidAfter)
    }

    private func loadOrCreateAuthority(now: Date, logger: Logger) throws -> OfficeAuthority {
        let keyPath = path("ca.key"), certificatePath = path("ca.crt")
        let manager = FileManager.default
        switch (manager.fileExists(atPath: keyPath), manager.fileExists(atPath: certificatePath)) {
        case (false, false):
            let authority = try OfficeAuthority.create(hostName: LocalAddresses.hostName(), now: now)
            try write("ca.key", authority.key.pemRepresentation, mode: 0o600)
            try write("ca.crt", try authority.certificate.serializeAsPEM().pemString, mode: 0o644)
            logger.notice("created the office certificate authority", metadata: ["tls.fingerprint": "\(authority.fingerprint)"])
            return authority
        case (true, true):
            break
        default:
            throw TLSFailure("\(directory) holds only half of the office authority (ca.key and ca.crt go together): "
                + "restore the missing file from a backup, or remove both to create a new authority that every device must trust again")
        }
        do {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
            let key = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOfFile: keyPath, encoding: .utf8))
            let certificate = try Certificate(pemEncoded: try String(contentsOfFile: certificatePath, encoding: .utf8))
            guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
                throw TLSFailure("ca.key is not the key of ca.crt")
            }
            if certificate.notValidAfter.timeIntervalSince(now) < 90 * 86_400 {
                logger.warning("the office certificate authority ends soon: create a new one (docs/tls.md)", metadata: [
                    "tls.valid_until": "\(certificate.notValidAfter)",
                ])
            }
            return OfficeAuthority(key: key, certificate: certificate)
        } catch {
            throw TLSFailure("the office authority in \(directory) cannot be used (\(error)): restore ca.key and ca.crt "
                + "from a backup, or remove both to create a new authority that every device must trust again")
        }
    }

    private func loadServer(signedBy authority: OfficeAuthority) throws -> (certificate: Certificate, pem: String, keyPEM: String) {
        let pem = try String(contentsOfFile: path("server.crt"), encoding: .utf8)
        let keyPEM = try String(contentsOfFile: path("server.key"), encoding: .utf8)
        let certificate = try Certificate(pemEncoded: pem)
        let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey),
              certificate.issuer == authority.certificate.subject,
              authority.certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
        else { throw TLSFailure("server.crt is not from the office authority or not for server.key") }
        return (certificate, pem, keyPEM)
    }

    private func prepareDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        } catch {
            throw TLSFailure("cannot prepare \(directory) for the certificates: \(error.localizedDescription)")
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// With its final permissions from the start (PrivateFile).
    private func write(_ name: String, _ text: String, mode: mode_t) throws {
        do {
            try PrivateFile.write(path(name), Array(text.utf8), mode: mode)
        } catch {
            throw TLSFailure(error.description)
        }
    }
}
