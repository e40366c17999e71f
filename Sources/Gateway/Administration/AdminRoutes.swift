import Foundation
import Hummingbird
import Projections
import Wire

/// Administration: users, rights groups, settings, filters, bots, broadcasts.
/// Every route requires the `administer` permission (checked again by each command's decision).
struct AdminRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    struct AdminUser: Encodable {
        var user: String
        var username: String
        var displayName: String
        var email: String
        var phone: String
        var department: String
        var groups: [String]
        var disabled: Bool
        var bot: Bool
        var mustChangePassword: Bool
        var sessions: Int
        var origin: String
        /// Live connections now.
        var online: Int
        /// Seconds connected over closed connections, and when last seen (ms; 0: never).
        var secondsOnline: Int64
        var lastSeen: Int64
        /// The address of the last connection or session used ("" if none).
        var lastAddress: String
        /// When a session or bot token was last used (ms; 0: never).
        var lastUsed: Int64
    }

    struct CreateUserBody: Decodable {
        var username: String
        var password: String
        var displayName: String?
        var email: String?
        var groups: [String]?
        var mustChangePassword: Bool?
    }

    struct ChangeUserBody: Decodable {
        var disabled: Bool?
        var groups: [String]?
        var displayName: String?
        var email: String?
        var phone: String?
        var department: String?
    }

    struct PasswordBody: Decodable {
        var password: String
    }

    struct GroupBody: Decodable {
        var id: String?
        var name: String
        var permissions: [String]
    }

    struct Group: Encodable {
        var id: String
        var name: String
        var permissions: [String]
        var members: Int
    }

    struct FiltersBody: Decodable {
        var floodBurst: FloodBurst?
        var floodPerMinute: FloodRate?
        var words: [String]?
        var wordMode: String?
        /// A new server password; "" removes it.
        var serverPassword: String?
        var allow: [String]?
        var deny: [String]?
    }

    struct Filters: Encodable {
        var floodBurst: Int
        var floodPerMinute: Int
        var words: [String]
        var wordMode: String
        var serverPasswordSet: Bool
        var allow: [String]
        var deny: [String]
    }

    /// Every field is required (the settings are replaced whole).
    struct SettingsBody: Decodable {
        var serverName: String
        var registrationOpen: Bool
        var maxMessageLength: MessageLength
        var retentionDays: RetentionDays
    }

    struct BotBody: Decodable {
        var username: String
        var groups: [String]?
    }

    /// Neither `recipients` nor `groups`: everyone.
    struct BroadcastBody: Decodable {
        var text: String
        var recipients: [String]?
        var groups: [String]?
        /// Every recipient must acknowledge it (docs/bulletin.md).
        var mustRead: Bool?
    }

    /// The caller, who must be an administrator.
    private func administrator(_ request: Request) throws(APIError) -> UserID { try kit.administrator(request) }

    private func groups(_ names: [String]?) -> [GroupID]? { names?.map { GroupID($0) } }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("admin/users") { request, _ in
            _ = try administrator(request)
            let online = core.registry.connectionCounts()
            return kit.json(core.withState { state in
                state.accounts.byID.values.sorted { $0.id < $1.id }.map { account in
                    let totals = state.statistics.perUser[account.id] ?? StatisticsView.Totals()
                    let latest = account.sessions.values.max { $0.usedAt < $1.usedAt }
                    return AdminUser(
                        user: account.id.rawValue, username: account.username, displayName: account.profile.displayName,
                        email: account.profile.email, phone: account.profile.phone, department: account.profile.department,
                        groups: account.groups.map(\.rawValue),
                        disabled: account.disabled, bot: account.origin == .bot,
                        mustChangePassword: account.mustChangePassword, sessions: account.sessions.count,
                        origin: "\(account.origin)", online: online[account.id] ?? 0, secondsOnline: totals.secondsOnline,
                        lastSeen: max(totals.lastSeen, (latest?.usedAt ?? 0) / 1000),
                        lastAddress: totals.lastAddress.isEmpty ? latest?.address ?? "" : totals.lastAddress,
                        lastUsed: (latest?.usedAt ?? 0) / 1000)
                }
            })
        }
        api.post("admin/users") { request, _ in
            let admin = try administrator(request)
            let body = try await kit.body(CreateUserBody.self, request)
            try core.checkPassword(body.password)
            let hash = await core.passwords.hash(body.password)
            let user = UserID(SecureRandom.identifier("u"))
            let position = try await core.execute(RegisterUser(
                user: user, username: body.username, displayName: body.displayName ?? "", email: body.email ?? "",
                passwordHash: hash, recovery: nil, groups: groups(body.groups),
                mustChangePassword: body.mustChangePassword ?? true, selfRegistration: false), by: admin)
            return kit.created(position: position, ["user": user.rawValue])
        }
        api.patch("admin/users/{user}") { request, context in
            let admin = try administrator(request)
            let user = UserID(try kit.parameter("user", context))
            let body = try await kit.body(ChangeUserBody.self, request)
            guard core.withState({ $0.accounts[user] != nil }) else { throw APIError.notFound("user") }
            var position = core.position
            if let disabled = body.disabled {
                position = try await core.execute(SetUserDisabled(user: user, disabled: disabled), by: admin)
            }
            if let names = body.groups {
                position = try await core.execute(SetUserGroups(user: user, groups: names.map { GroupID($0) }), by: admin)
            }
            if body.displayName != nil || body.email != nil || body.phone != nil || body.department != nil {
                guard let current = core.withState({ $0.accounts[user]?.profile }) else { throw APIError.notFound("user") }
                position = try await core.execute(UpdateProfile(user: user, profile: Profile(
                    displayName: body.displayName ?? current.displayName, email: body.email ?? current.email,
                    phone: body.phone ?? current.phone, department: body.department ?? current.department)), by: admin)
            }
            return kit.ok(position: position)
        }
        api.post("admin/users/{user}/password") { request, context in
            let admin = try administrator(request)
            let user = UserID(try kit.parameter("user", context))
            let body = try await kit.body(PasswordBody.self, request)
            try core.checkPassword(body.password)
            let hash = await core.passwords.hash(body.password)
            return kit.ok(position: try await core.execute(
                ChangePassword(user: user, passwordHash: hash, reason: .resetByAdministrator), by: admin))
        }
        api.delete("admin/users/{user}/sessions") { request, context in
            let admin = try administrator(request)
            let user = UserID(try kit.parameter("user", context))
            return kit.ok(position: try await core.execute(EndSession(user: user, tokenHash: ""), by: admin))
        }
        api.get("admin/groups") { request, _ in
            _ = try administrator(request)
            return kit.json(core.withState { state in
                state.groups.byID.values.sorted { $0.id < $1.id }.map { group in
                    Group(id: group.id.rawValue, name: group.name, permissions: group.permissions.names,
                          members: state.accounts.byID.values.count { $0.groups.contains(group.id) })
                }
            })
        }
        api.post("admin/groups") { request, _ in
            let admin = try administrator(request)
            let body = try await kit.body(GroupBody.self, request)
            guard let permissions = Permissions(names: body.permissions) else { throw APIError.invalid("permissions") }
            let id = GroupID(body.id ?? SecureRandom.identifier("g"))
            let position = try await core.execute(
                SaveGroup(group: id, name: body.name, permissions: permissions, create: true), by: admin)
            return kit.created(position: position, ["group": id.rawValue])
        }
        api.put("admin/groups/{group}") { request, context in
            let admin = try administrator(request)
            let group = GroupID(try kit.parameter("group", context))
            let body = try await kit.body(GroupBody.self, request)
            guard let permissions = Permissions(names: body.permissions) else { throw APIError.invalid("permissions") }
            return kit.ok(position: try await core.execute(
                SaveGroup(group: group, name: body.name, permissions: permissions, create: false), by: admin))
        }
        api.delete("admin/groups/{group}") { request, context in
            let admin = try administrator(request)
            let group = GroupID(try kit.parameter("group", context))
            return kit.ok(position: try await core.execute(DeleteGroup(group: group), by: admin))
        }
        api.get("admin/settings") { request, _ in
            _ = try administrator(request)
            return kit.json(core.withState { $0.server.settings })
        }
        api.put("admin/settings") { request, _ in
            let admin = try administrator(request)
            let body = try await kit.body(SettingsBody.self, request)
            return kit.ok(position: try await core.execute(ChangeSettings(settings: ServerSettings(
                serverName: body.serverName, registrationOpen: body.registrationOpen,
                maxMessageLength: body.maxMessageLength.value, retentionDays: body.retentionDays.value)), by: admin))
        }
        api.get("admin/filters") { request, _ in
            _ = try administrator(request)
            return kit.json(core.withState { state in
                Filters(floodBurst: state.server.flood.burst, floodPerMinute: state.server.flood.perMinute,
                        words: state.server.wordFilter.words, wordMode: state.server.wordFilter.mode.rawValue,
                        serverPasswordSet: state.server.serverPasswordHash != nil, allow: state.server.allow,
                        deny: state.server.deny)
            })
        }
        api.put("admin/filters") { request, context in
            let admin = try administrator(request)
            let body = try await kit.body(FiltersBody.self, request)
            var position = core.position
            let current = core.withState { $0.server }
            if body.floodBurst != nil || body.floodPerMinute != nil {
                let limit = FloodLimit(burst: body.floodBurst?.value ?? current.flood.burst,
                                       perMinute: body.floodPerMinute?.value ?? current.flood.perMinute)
                position = try await core.execute(ChangeFilters(.flood(limit)), by: admin)
            }
            if body.words != nil || body.wordMode != nil {
                guard let mode = WordFilter.Mode(rawValue: body.wordMode ?? current.wordFilter.mode.rawValue) else {
                    throw APIError.invalid("wordMode")
                }
                position = try await core.execute(
                    ChangeFilters(.words(WordFilter(words: body.words ?? current.wordFilter.words, mode: mode))), by: admin)
            }
            if let password = body.serverPassword {
                guard password.utf8.count <= Limits.passwordBytes else { throw APIError.tooLarge("server_password") }
                let hash = password.isEmpty ? nil : await core.passwords.hash(password)
                position = try await core.execute(ChangeFilters(.serverPassword(hash)), by: admin)
            }
            if body.allow != nil || body.deny != nil {
                position = try await core.execute(ChangeFilters(.addresses(
                    allow: body.allow ?? current.allow, deny: body.deny ?? current.deny), from: context.address), by: admin)
            }
            return kit.ok(position: position)
        }
        api.post("admin/bots") { request, _ in
            let admin = try administrator(request)
            let body = try await kit.body(BotBody.self, request)
            let user = UserID(SecureRandom.identifier("u"))
            let (token, hash) = SecureRandom.token()
            let position = try await core.execute(CreateBot(
                user: user, username: body.username, tokenHash: hash, groups: groups(body.groups) ?? [.users]), by: admin)
            return kit.created(position: position, ["user": user.rawValue, "token": token])
        }
        api.post("admin/bots/{user}/token") { request, context in
            let admin = try administrator(request)
            let user = UserID(try kit.parameter("user", context))
            let (token, hash) = SecureRandom.token()
            let position = try await core.execute(IssueBotToken(user: user, tokenHash: hash), by: admin)
            return kit.created(position: position, ["user": user.rawValue, "token": token])
        }
        api.post("admin/broadcast") { request, _ in
            let admin = try administrator(request)
            let body = try await kit.body(BroadcastBody.self, request)
            return kit.ok(position: try await core.execute(
                Broadcast(text: body.text, recipients: (body.recipients ?? []).map { UserID($0) },
                          groups: (body.groups ?? []).map { GroupID($0) }, mustRead: body.mustRead ?? false), by: admin))
        }
    }
}
