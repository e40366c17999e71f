import Foundation
import Hummingbird
import Projections

/// App passwords: one per device's file manager or FTP client ("Office PC – Explorer"), made and
/// withdrawn by the user. They open the file doors (WebDAV, FTP) only, never the API; the password
/// is shown once, the log keeps its hash; a password change ends them all (docs/files.md).
struct AppPasswordRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    struct CreateBody: Decodable { var label: String }

    struct Entry: Encodable {
        var id: String
        var label: String
        /// Milliseconds since the epoch.
        var created: Int64
    }

    struct Created: Encodable {
        var id: String
        var label: String
        var password: String
        var position: UInt64
    }

    /// The id shown for an app password: the start of its hash (enough to tell them apart).
    static func id(_ hash: String) -> String { String(hash.prefix(16)) }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("me/app-passwords") { request, _ in
            let (user, _) = try kit.caller(request)
            let entries = core.withState { state in
                (state.accounts[user]?.sessions ?? [:]).filter { $0.value.kind == .app }
                    .map { Entry(id: Self.id($0.key), label: $0.value.label, created: $0.value.startedAt / 1000) }
                    .sorted { ($0.created, $0.id) < ($1.created, $1.id) }
            }
            return kit.json(["appPasswords": entries])
        }
        api.post("me/app-passwords") { request, context in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(CreateBody.self, request)
            let (password, hash) = SecureRandom.token()
            let position = try await core.execute(CreateAppPassword(tokenHash: hash, label: body.label, address: context.address), by: user)
            return kit.json(Created(id: Self.id(hash), label: body.label.trimmingCharacters(in: .whitespacesAndNewlines),
                                        password: password, position: position), status: .created)
        }
        api.delete("me/app-passwords/{id}") { request, context in
            let (user, _) = try kit.caller(request)
            let id = try kit.parameter("id", context)
            guard let hash = core.withState({ state in
                state.accounts[user]?.sessions.first { $0.value.kind == .app && Self.id($0.key) == id }?.key
            }) else { throw APIError.notFound("app_password") }
            return kit.ok(position: try await core.execute(EndSession(user: user, tokenHash: hash), by: user))
        }
    }
}
