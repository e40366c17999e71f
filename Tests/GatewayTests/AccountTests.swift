import Foundation
@testable import Gateway
import Testing

@Suite("Accounts and sessions over HTTP", .serialized)
struct AccountFlowTests {
    @Test func theFirstAdministratorMustChangeTheOneTimePassword() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        #expect(server.adminPassword.count == 16)
        // No default password works.
        for guess in ["admin", "password", ""] {
            let tried = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "admin", "password": guess]))
            #expect(tried.status == 401)
        }
        let login = try await server.http("POST", "/api/v1/login",
                                          body: jsonText(["username": "admin", "password": server.adminPassword]))
        #expect(login.status == 200 && login.body["mustChangePassword"]?.bool == true)
        let token = try #require(login.body["token"]?.string)
        // Until changed, nothing else is allowed.
        let room = try await server.http("POST", "/api/v1/rooms", token: token, body: jsonText(["name": "Ops"]))
        #expect(room.status == 403 && room.body["reason"]?.string == "password_change_required")
        // Reads too, over HTTP and WebSocket: a one-time password shows nothing but its own account.
        for path in ["/api/v1/rooms", "/api/v1/rooms/main/messages", "/api/v1/users", "/api/v1/admin/users"] {
            let read = try await server.http("GET", path, token: token)
            #expect(read.status == 403 && read.body["reason"]?.string == "password_change_required", "\(path)")
        }
        #expect(try await server.http("GET", "/api/v1/me", token: token).status == 200)
        let ws = try await server.client(token)
        #expect(await ws.welcome?["data"]?["me"]?["mustChangePassword"]?.bool == true)
        #expect(try await ws.send("ping")["type"]?.string == "ok")
        for (type, fields) in [("history", ["room": "main"]), ("members", ["room": "main"]), ("directory", [:]),
                               ("post", ["room": "main", "clientId": "c", "text": "hi"])] as [(String, [String: any Sendable])] {
            #expect(try await ws.send(type, fields)["reason"]?.string == "password_change_required", "\(type)")
        }
        let change = try await server.http("PUT", "/api/v1/me/password", token: token,
                                           body: jsonText(["current": server.adminPassword, "new": "a-better-password"]))
        #expect(change.status == 200)
        let me = try await server.http("GET", "/api/v1/me", token: token)
        #expect(me.body["mustChangePassword"]?.bool == false)
        #expect(me.body["capabilities"]?.array.contains(.string("administer")) == true)
        let created = try await server.http("POST", "/api/v1/rooms", token: token, body: jsonText(["name": "Ops"]))
        #expect(created.status == 201)
        await server.stop()
    }

    @Test func registrationLoginLogoutAndRecovery() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice", password: "correct-horse")
        #expect(try await server.http("GET", "/api/v1/me", token: alice.token).body["username"]?.string == "alice")
        // A name that only looks the same is taken.
        let lookalike = try await server.http("POST", "/api/v1/register", body: jsonText([
            "username": "\u{0430}lice", "password": "whatever-123", "question": "q", "answer": "a"]))
        #expect(lookalike.status == 409 && lookalike.body["reason"]?.string == "username_taken")
        let short = try await server.http("POST", "/api/v1/register", body: jsonText([
            "username": "carol", "password": "short", "question": "q", "answer": "a"]))
        #expect(short.status == 400)
        // Logout ends the session.
        #expect(try await server.http("POST", "/api/v1/logout", token: alice.token).status == 200)
        #expect(try await server.http("GET", "/api/v1/me", token: alice.token).status == 401)
        // Recovery by the secret question (answer compared case- and space-insensitively).
        let question = try await server.http("POST", "/api/v1/recovery/question", body: jsonText(["username": "alice"]))
        #expect(question.body["question"]?.string == "First pet?")
        let wrong = try await server.http("POST", "/api/v1/recovery", body: jsonText([
            "username": "alice", "answer": "Felix", "newPassword": "new-password-1"]))
        #expect(wrong.status == 401)
        let right = try await server.http("POST", "/api/v1/recovery", body: jsonText([
            "username": "alice", "answer": "  rex ", "newPassword": "new-password-1"]))
        #expect(right.status == 200)
        let login = try await server.http("POST", "/api/v1/login",
                                          body: jsonText(["username": "ALICE", "password": "new-password-1"]))
        #expect(login.status == 200)
        await server.stop()
    }

    @Test func loginAttemptsAreLimitedPerAccount() async throws {
        let server = try await TestServer.start { $0.limits.loginFailuresPerAccount = 3 }
        defer { server.remove() }
        _ = try await server.register("alice", password: "correct-horse")
        for _ in 0..<3 {
            let failed = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "alice", "password": "nope"]))
            #expect(failed.status == 401)
        }
        let locked = try await server.http("POST", "/api/v1/login",
                                           body: jsonText(["username": "alice", "password": "correct-horse"]))
        #expect(locked.status == 429)
        #expect(locked.body["retryAfter"]?.int ?? 0 > 0)
        #expect(locked.headers["retry-after"] != nil)
        await server.stop()
    }

    @Test func anAdministratorDisablesAUserAndTheirConnectionsEnd() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let bob = try await server.register("bob")
        let b = try await server.client(bob.token)
        let disable = try await server.http("PATCH", "/api/v1/admin/users/\(bob.user)", token: admin,
                                            body: jsonText(["disabled": true]))
        #expect(disable.status == 200)
        let closing = try await b.frame { $0["type"]?.string == "closing" }
        #expect(closing["reason"]?.string == "account_disabled")
        try await b.waitClosed()
        #expect(try await server.http("GET", "/api/v1/me", token: bob.token).status == 401)
        let login = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "bob", "password": "password-123"]))
        #expect(login.status == 403)
        // Registration can be switched off.
        let settings = try await server.http("PUT", "/api/v1/admin/settings", token: admin, body: jsonText([
            "serverName": "Office", "registrationOpen": false, "maxMessageLength": 4000, "retentionDays": 0]))
        #expect(settings.status == 200)
        let closed = try await server.http("POST", "/api/v1/register", body: jsonText([
            "username": "carol", "password": "password-123", "question": "q", "answer": "a"]))
        #expect(closed.status == 403 && closed.body["reason"]?.string == "registration_closed")
        // Non-administrators cannot reach the admin API.
        let dave = try await server.http("POST", "/api/v1/admin/users", token: admin, body: jsonText([
            "username": "dave", "password": "password-123", "mustChangePassword": false]))
        #expect(dave.status == 201)
        let daveLogin = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "dave", "password": "password-123"]))
        let daveToken = try #require(daveLogin.body["token"]?.string)
        #expect(try await server.http("GET", "/api/v1/admin/users", token: daveToken).status == 403)
        await server.stop()
    }

    @Test func botTokensPostForOtherSoftware() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let bot = try await server.http("POST", "/api/v1/admin/bots", token: admin, body: jsonText(["username": "accounting"]))
        #expect(bot.status == 201)
        let token = try #require(bot.body["token"]?.string)
        let posted = try await server.http("POST", "/api/v1/rooms/main/messages", token: token,
                                           body: jsonText(["text": "Invoice 42 paid"]))
        #expect(posted.status == 201)
        let history = try await server.http("GET", "/api/v1/rooms/main/messages?limit=5", token: token)
        #expect(history.body["items"]?.array.contains { $0["text"]?.string == "Invoice 42 paid" } == true)
        // A bot has no password to log in with.
        let login = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "accounting", "password": ""]))
        #expect(login.status == 401)
        await server.stop()
    }
}
