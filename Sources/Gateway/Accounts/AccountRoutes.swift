import Foundation
import Hummingbird
import Projections

/// Public routes (server info, login, registration, recovery) and the caller's own account.
struct AccountRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    struct LoginBody: Decodable {
        var username: String
        var password: String
        var serverPassword: String?
    }

    struct LoginReply: Encodable {
        var token: String
        var user: String
        var mustChangePassword: Bool
    }

    struct RegisterBody: Decodable {
        var username: String
        var password: String
        var email: String?
        var displayName: String?
        var question: String
        var answer: String
        var serverPassword: String?
    }

    struct UsernameBody: Decodable {
        var username: String
        var serverPassword: String?
    }

    struct RecoverBody: Decodable {
        var username: String
        var answer: String
        var newPassword: String
        var serverPassword: String?
    }

    struct PasswordBody: Decodable {
        var current: String
        var new: String
    }

    struct PhrasesBody: Decodable {
        var phrases: [String]
    }

    struct RecoveryBody: Decodable {
        var question: String
        var answer: String
    }

    struct ProfileBody: Decodable {
        var displayName: String
        var email: String?
        var phone: String?
        var department: String?
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("server") { _, _ in kit.json(core.withState { Snapshots.server($0) }) }
        api.post("login") { request, context in
            let body = try await kit.body(LoginBody.self, request)
            let login = try await core.login(username: body.username, password: body.password, address: context.address,
                                             serverPassword: body.serverPassword)
            return kit.json(LoginReply(token: login.token, user: login.user.rawValue,
                                       mustChangePassword: login.mustChangePassword))
        }
        api.post("register") { request, context in
            let body = try await kit.body(RegisterBody.self, request)
            let login = try await core.register(ChatCore.Registration(
                username: body.username, password: body.password, displayName: body.displayName ?? "",
                email: body.email ?? "", question: body.question, answer: body.answer),
                serverPassword: body.serverPassword, address: context.address)
            return kit.json(LoginReply(token: login.token, user: login.user.rawValue, mustChangePassword: false),
                            status: .created)
        }
        api.post("recovery/question") { request, context in
            let body = try await kit.body(UsernameBody.self, request)
            return kit.json(["question": try await core.recoveryQuestion(
                username: body.username, address: context.address, serverPassword: body.serverPassword)])
        }
        api.post("recovery") { request, context in
            let body = try await kit.body(RecoverBody.self, request)
            try await core.recover(username: body.username, answer: body.answer, newPassword: body.newPassword,
                                   address: context.address, serverPassword: body.serverPassword)
            return kit.ok(position: core.position)
        }
        api.post("logout") { request, _ in
            let (user, tokenHash) = try kit.caller(request, pendingPasswordChange: true)
            try await core.logout(user, tokenHash: tokenHash)
            return kit.ok(position: core.position)
        }
        api.get("me") { request, _ in
            let (user, _) = try kit.caller(request, pendingPasswordChange: true)
            guard let me = core.withState({ Snapshots.me(user, $0) }) else { throw APIError.unauthorized }
            return kit.json(me)
        }
        api.put("me/profile") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(ProfileBody.self, request)
            return kit.ok(position: try await core.execute(UpdateProfile(user: user, profile: Profile(
                displayName: body.displayName, email: body.email ?? "", phone: body.phone ?? "",
                department: body.department ?? "")), by: user))
        }
        api.put("me/password") { request, context in
            let (user, tokenHash) = try kit.caller(request, pendingPasswordChange: true)
            let body = try await kit.body(PasswordBody.self, request)
            try await core.changePassword(user, current: body.current, new: body.new, keepSession: tokenHash,
                                          address: context.address)
            return kit.ok(position: core.position)
        }
        api.put("me/quick-phrases") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(PhrasesBody.self, request)
            return kit.ok(position: try await core.execute(SetQuickPhrases(phrases: body.phrases), by: user))
        }
        api.put("me/recovery") { request, _ in
            let (user, _) = try kit.caller(request)
            let body = try await kit.body(RecoveryBody.self, request)
            guard !ChatCore.normalizedAnswer(body.answer).isEmpty, body.answer.count <= Limits.answer else {
                throw APIError.invalid("answer")
            }
            let hash = await core.passwords.hash(ChatCore.normalizedAnswer(body.answer))
            return kit.ok(position: try await core.execute(
                SetRecovery(recovery: RecoveryQuestion(question: body.question, answerHash: hash)), by: user))
        }
        api.get("invitations") { request, _ in
            let (user, _) = try kit.caller(request)
            return kit.json(core.withState { Snapshots.invitations(for: user, $0) })
        }
        api.get("announcements") { request, _ in
            let (user, _) = try kit.caller(request)
            let visibility = await core.visibility(now: kit.now)
            return kit.json(core.withState { Snapshots.announcements(for: user, $0, at: visibility) })
        }
        api.get("users") { request, _ in
            _ = try kit.caller(request)
            let presence = core.registry.presenceList()
            return kit.json(core.withState { Snapshots.users($0, presence: presence) })
        }
        api.get("users/{user}") { request, context in
            _ = try kit.caller(request)
            let id = UserID(try kit.parameter("user", context))
            let presence = core.registry.presenceList()
            guard let user = core.withState({ state in
                Snapshots.users(state, presence: presence).first { $0.user == id.rawValue }
            }) else { throw APIError.notFound("user") }
            return kit.json(user)
        }
    }
}
