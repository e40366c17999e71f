import EventStore
import Foundation
import Hummingbird
import Projections
import Wire

/// Client files and invitations (docs/invitations.md): an administrator makes a signed file or an
/// invitation link; whoever opens it sees what it says (checked), and an invited person sets their
/// password once.
struct InvitationRoutes {
    let kit: HTTPKit
    let signer: ClientFileSigner
    /// The server's LAN URLs, the best first (known once it listens).
    let urls: @Sendable () -> [String]
    let fingerprint: @Sendable () -> String?
    var core: ChatCore { kit.core }

    struct MakeBody: Decodable {
        /// The server password, if it has one and the file should carry it (checked against it).
        var serverPassword: String?
        /// With a user name, the file is an invitation for that person (the account is made
        /// when they open it); without one, it only tells where the server is.
        var username: String?
        var displayName: String?
        var groups: [String]?
        /// How long the invitation stays open (7 days if left out).
        var days: InvitationDays?
    }

    struct Made: Encodable {
        var file: ClientFile
        /// Open it to join: the server's address with the file in its `#join=` fragment.
        var link: String
        var invitation: String?
    }

    struct OpenBody: Decodable {
        /// The file's JSON, or the `#join=` part of a link.
        var file: String
    }

    struct Opened: Encodable {
        var name: String
        var url: String
        var urls: [String]
        var fingerprint: String?
        var serverPassword: String?
        var invitation: InvitationState?
    }

    struct InvitationState: Encodable {
        var id: String
        var username: String
        var displayName: String
        var expires: Int64
        /// open, used, expired or revoked.
        var state: String
    }

    struct JoinBody: Decodable {
        var file: String
        var password: String
    }

    struct Listed: Encodable {
        var id: String
        var username: String
        var displayName: String
        var groups: [String]
        var issuedBy: String
        var issued: Int64
        var expires: Int64
        var state: String
        var user: String?
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.post("admin/client-files") { request, context in
            let admin = try kit.administrator(request)
            let body = try await kit.body(MakeBody.self, request, emptyIs: MakeBody())
            if let given = body.serverPassword {
                // The file must not carry a wrong password (the person would be refused at once).
                try await core.checkServerPassword(given)
            }
            var invitation: ClientFile.Invitation?
            if let username = body.username {
                let (secret, secretHash) = SecureRandom.token()
                let id = SecureRandom.identifier("i")
                let days = body.days?.value ?? 7
                let expires = Timestamp.now().microseconds + Int64(days) * 86_400_000_000
                try await core.execute(IssueInvitation(
                    invitation: id, username: username, displayName: body.displayName ?? "",
                    groups: body.groups?.map { GroupID($0) }, expiresAt: expires, secretHash: secretHash), by: admin)
                guard let issued = core.withState({ $0.invitations[id] }) else { throw APIError.notFound("invitation") }
                invitation = .init(id: id, username: issued.username, displayName: issued.displayName,
                                   expires: expires / 1000, secret: secret)
            }
            let file = signer.sign(ClientFile(
                name: core.withState { $0.server.settings.serverName }, url: "", urls: addresses(request),
                fingerprint: fingerprint(), serverPassword: body.serverPassword.flatMap { $0.isEmpty ? nil : $0 },
                invitation: invitation).withFirstURL())
            let made = Made(file: file, link: file.url + "#join=" + file.linkPayload, invitation: invitation?.id)
            return kit.json(made, status: .created)
        }
        api.get("admin/invitations") { request, _ in
            _ = try kit.administrator(request)
            let now = Timestamp.now().microseconds
            return kit.json(core.withState { state in
                state.invitations.byID.values.sorted { $0.issuedAt > $1.issuedAt }.map { invitation in
                    Listed(id: invitation.id, username: invitation.username, displayName: invitation.displayName,
                           groups: invitation.groups.map(\.rawValue), issuedBy: invitation.issuedBy.rawValue,
                           issued: invitation.issuedAt / 1000, expires: invitation.expiresAt / 1000,
                           state: invitation.state(now: now).rawValue, user: invitation.redeemedBy?.rawValue)
                }
            })
        }
        api.delete("admin/invitations/{invitation}") { request, context in
            let admin = try kit.administrator(request)
            let id = try kit.parameter("invitation", context)
            return kit.ok(position: try await core.execute(RevokeInvitation(invitation: id), by: admin))
        }
        // No login: the person opening a file has no account yet.
        api.post("client-files/open") { request, _ in
            let body = try await kit.body(OpenBody.self, request)
            let file = try checked(body.file)
            let now = Timestamp.now().microseconds
            let state = file.invitation.flatMap { invite in
                core.withState { $0.invitations[invite.id] }.map { invitation in
                    InvitationState(id: invitation.id, username: invitation.username, displayName: invitation.displayName,
                                    expires: invitation.expiresAt / 1000, state: invitation.state(now: now).rawValue)
                }
            }
            if file.invitation != nil, state == nil { throw APIError.notFound("invitation") }
            return kit.json(Opened(name: file.name, url: file.url, urls: file.urls, fingerprint: file.fingerprint,
                                   serverPassword: file.serverPassword, invitation: state))
        }
        api.post("join") { request, context in
            let body = try await kit.body(JoinBody.self, request)
            let file = try checked(body.file)
            guard let invite = file.invitation else { throw APIError.invalid("not_an_invitation") }
            try core.checkPassword(body.password)
            let login = try await core.redeem(invitation: invite.id, secret: invite.secret, password: body.password,
                                              address: context.address)
            return kit.json(AccountRoutes.LoginReply(token: login.token, user: login.user.rawValue, mustChangePassword: false),
                            status: .created)
        }
    }

    /// The file, if it is well formed and as this server signed it.
    private func checked(_ text: String) throws(APIError) -> ClientFile {
        guard text.utf8.count <= ClientFile.maximumBytes * 2 else { throw APIError.tooLarge("file") }
        guard let file = ClientFile.parse(text) else { throw APIError.invalid("client_file") }
        guard signer.verify(file) else { throw APIError(code: "invalid", reason: "client_file_signature", status: 400) }
        return file
    }

    /// The address the administrator reached us by first (unless it is this machine's loopback,
    /// which means nothing to anyone else), then the LAN addresses.
    private func addresses(_ request: Request) -> [String] {
        var list = urls()
        if let authority = request.head.authority, let host = authority.split(separator: ":").first.map(String.init),
           host != "localhost", !host.hasPrefix("127."), host != "[::1]",
           let scheme = list.first?.split(separator: ":").first {
            let url = "\(scheme)://\(authority)/"
            list.removeAll { $0 == url }
            list.insert(url, at: 0)
        }
        return list
    }
}

extension ClientFile {
    func withFirstURL() -> ClientFile {
        var file = self
        file.url = urls.first ?? ""
        return file
    }
}

extension ChatCore {
    /// The invited person's account, made with the password they chose, and a session for it.
    func redeem(invitation: String, secret: String, password: String, address: String) async throws(APIError) -> Login {
        let secretHash = SecureRandom.tokenHash(secret)
        // Refused before paying for a password hash.
        guard let found = withState({ $0.invitations[invitation] }), found.secretHash == secretHash else {
            throw APIError.notFound("invitation")
        }
        let passwordHash = await passwords.hash(password)
        let user = UserID(SecureRandom.identifier("u"))
        try await execute(RedeemInvitation(invitation: invitation, secretHash: secretHash, user: user, passwordHash: passwordHash),
                          by: user)
        let (token, tokenHash) = SecureRandom.token()
        try await execute(StartSession(tokenHash: tokenHash, address: address), by: user)
        return Login(token: token, user: user, mustChangePassword: false)
    }
}
