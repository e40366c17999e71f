import Foundation
import HTTPTypes
import OpenAPIRuntime
import OpenAPIURLSession
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An office's first day, through a client generated from docs/openapi.yaml alone
/// (swift-openapi-generator): registration, rooms, posting, history, administration. A response
/// the spec does not describe — an undocumented status, a body of another shape, a field of the
/// wrong type — fails here, so the spec cannot drift from the server.
@Suite("Generated client", .serialized)
struct GeneratedClientTests {
    /// Adds `Authorization: Bearer …` to every request.
    struct Bearer: ClientMiddleware {
        let token: String?

        func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                       next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?))
            async throws -> (HTTPResponse, HTTPBody?)
        {
            var request = request
            if let token { request.headerFields[.authorization] = "Bearer \(token)" }
            return try await next(request, body, baseURL)
        }
    }

    static func client(_ server: TestServer, token: String? = nil) -> Client {
        Client(serverURL: URL(string: "http://127.0.0.1:\(server.port)")!, transport: URLSessionTransport(),
               middlewares: [Bearer(token: token)])
    }

    @Test func anOfficesFirstDayThroughTheGeneratedClient() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let anonymous = Self.client(server)
        let info = try await anonymous.getServer().ok.body.json
        #expect(info.name == "Test office" && info.registrationOpen)

        // The administrator: one-time password, changed.
        let first = try await anonymous.login(body: .json(.init(username: "admin", password: server.adminPassword))).ok.body.json
        #expect(first.mustChangePassword)
        let admin = Self.client(server, token: first.token)
        _ = try await admin.getRoomHistory(path: .init(room: "main")).forbidden
        _ = try await admin.changePassword(body: .json(.init(current: "wrong-password", new: "admin-password-2"))).forbidden
        _ = try await admin.changePassword(body: .json(.init(current: server.adminPassword, new: "admin-password-2"))).ok
        #expect(try await admin.getMe().ok.body.json.capabilities.contains(.administer))

        // People register; a wrong password is refused as documented.
        let alice = try await anonymous.register(body: .json(.init(
            username: "alice", password: "alice-password", email: "alice@office.lan", displayName: "Alice Martin",
            question: "First pet?", answer: "Rex"))).created.body.json
        _ = try await anonymous.login(body: .json(.init(username: "alice", password: "nope-nope"))).unauthorized
        let bob = try await anonymous.register(body: .json(.init(
            username: "bob", password: "bob-password", question: "Town?", answer: "Lyon"))).created.body.json
        let a = Self.client(server, token: alice.token)
        let b = Self.client(server, token: bob.token)

        // Rooms: create, join without a body, post, edit, read history, mark read.
        let design = try await a.createRoom(body: .json(.init(name: "Design", topic: "Logos"))).created.body.json
        _ = try await b.joinRoom(path: .init(room: design.room)).ok
        let posted = try await a.postMessage(path: .init(room: design.room), body: .json(.init(text: "Hello *team*"))).created.body.json
        #expect(posted.position > design.position)
        _ = try await a.editMessage(path: .init(message: posted.position), body: .json(.init(text: "Hello *design*"))).ok
        let reply = try await b.postMessage(path: .init(room: design.room),
                                            body: .json(.init(text: "Hi @alice", replyTo: posted.position))).created.body.json
        let page = try await b.getRoomHistory(path: .init(room: design.room), query: .init(limit: 50)).ok.body.json
        let texts = page.items.compactMap { item -> String? in
            if case .message_period_posted(let message) = item { return message.text } else { return nil }
        }
        #expect(texts == ["Hello *design*", "Hi @alice"], "\(texts)")
        #expect(page.items.contains { if case .member_period_joined = $0 { true } else { false } })
        _ = try await b.markRead(path: .init(room: design.room), body: .json(.init(upTo: reply.position))).ok
        let members = try await a.listRoomMembers(path: .init(room: design.room)).ok.body.json
        #expect(Set(members.members.map(\.user)) == [alice.user, bob.user])
        _ = try await a.getRoomHistory(path: .init(room: "no-such-room")).notFound
        _ = try await a.getRoomHistory(path: .init(room: design.room), query: .init(before: 5, after: 5)).badRequest

        // A direct conversation, created with its first message.
        let direct = try await a.postDirectMessage(path: .init(user: bob.user), body: .json(.init(text: "Lunch?"))).created.body.json
        #expect(direct.room.hasPrefix("dm_"))

        // Administration: users, groups, settings, filters, a bot, a broadcast, statistics.
        #expect(try await admin.adminListUsers().ok.body.json.count == 3)
        let carol = try await admin.adminCreateUser(body: .json(.init(username: "carol", password: "carol-password"))).created.body.json
        _ = try await admin.adminUpdateUser(path: .init(user: carol.user), body: .json(.init(department: "Sales"))).ok
        _ = try await admin.adminUpdateUser(path: .init(user: "u-nobody"), body: .json(.init())).notFound
        let sales = try await admin.adminCreateGroup(body: .json(.init(id: "sales", name: "Sales",
                                                                       permissions: [.sendMessages, .postToRooms]))).created.body.json
        #expect(sales.group == "sales")
        #expect(try await admin.adminListGroups().ok.body.json.contains { $0.id == "sales" })
        let settings = try await admin.adminGetSettings().ok.body.json
        _ = try await admin.adminUpdateSettings(body: .json(.init(
            serverName: "Office", registrationOpen: settings.registrationOpen, maxMessageLength: settings.maxMessageLength,
            retentionDays: 0))).ok
        _ = try await admin.adminGetFilters().ok
        _ = try await admin.adminUpdateFilters(body: .json(.init(floodBurst: 50, floodPerMinute: 600))).ok
        let bot = try await admin.adminCreateBot(body: .json(.init(username: "monitoring"))).created.body.json
        #expect(!bot.token.isEmpty)
        _ = try await admin.adminBroadcast(body: .json(.init(text: "Fire drill at 3 pm"))).ok
        #expect(try await b.getAnnouncements().ok.body.json.unread == 1)
        #expect(try await b.listInvitations().ok.body.json.isEmpty)
        let statistics = try await admin.adminGetStatistics().ok.body.json
        #expect(statistics.accounts == 5)
        // Refused as documented: not an administrator.
        _ = try await a.adminListUsers().forbidden
        // Logged out: the token no longer works.
        _ = try await b.logout().ok
        _ = try await b.getMe().unauthorized
        await server.stop()
    }
}
