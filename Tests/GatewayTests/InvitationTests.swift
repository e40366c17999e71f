import Foundation
@testable import Gateway
import Testing

/// Client files and invitations (docs/invitations.md) against the real server and its log.
@Suite struct InvitationTests {
    /// The `#join=` payload of a link.
    static func payload(_ made: TestServer.HTTPResult) throws -> String {
        let link = try #require(made.body["link"]?.string)
        return String(try #require(link.split(separator: "#join=").last))
    }

    /// The file with one field changed, re-encoded as a link payload (signature kept).
    static func tampered(_ payload: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        let bytes = try #require(Base64URL.decode(payload))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        change(&object)
        return Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
    }

    @Test func anInvitationMakesTheAccountOnceAndATamperedFileIsRefused() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let made = try await server.http("POST", "/api/v1/admin/client-files", token: admin,
                                         body: jsonText(["username": "alice", "displayName": "Alice Martin", "days": 3]))
        #expect(made.status == 201, "\(made.body)")
        let file = try Self.payload(made)
        #expect(made.body["file"]?["invitation"]?["username"]?.string == "alice")

        // Opened: what it says, checked, and the invitation open.
        let opened = try await server.http("POST", "/api/v1/client-files/open", body: jsonText(["file": file]))
        #expect(opened.status == 200, "\(opened.body)")
        #expect(opened.body["invitation"]?["state"]?.string == "open")
        #expect(opened.body["invitation"]?["displayName"]?.string == "Alice Martin")

        // One field changed (the name, or the URL someone would be sent to): refused.
        for change in [{ (o: inout [String: Any]) in o["url"] = "https://evil.example/" },
                       { (o: inout [String: Any]) in o["name"] = "Another office" }] {
            let forged = try Self.tampered(file, change)
            let refused = try await server.http("POST", "/api/v1/client-files/open", body: jsonText(["file": forged]))
            #expect(refused.status == 400 && refused.body["reason"]?.string == "client_file_signature", "\(refused.body)")
            let joined = try await server.http("POST", "/api/v1/join", body: jsonText(["file": forged, "password": "alice-password-1"]))
            #expect(joined.status == 400, "\(joined.body)")
        }
        #expect(try await server.http("POST", "/api/v1/client-files/open", body: jsonText(["file": "not a file"])).status == 400)

        // The name is promised: nobody registers it meanwhile.
        let squatter = try await server.http("POST", "/api/v1/register", body: jsonText([
            "username": "Alice", "password": "password-123", "question": "q?", "answer": "a"]))
        #expect(squatter.status == 409, "\(squatter.body)")

        // Used once: the account, logged in, with the name and display name the admin chose.
        let joined = try await server.http("POST", "/api/v1/join", body: jsonText(["file": file, "password": "alice-password-1"]))
        #expect(joined.status == 201, "\(joined.body)")
        let token = try #require(joined.body["token"]?.string)
        let me = try await server.http("GET", "/api/v1/me", token: token)
        #expect(me.body["username"]?.string == "alice" && me.body["displayName"]?.string == "Alice Martin", "\(me.body)")
        let login = try await server.http("POST", "/api/v1/login", body: jsonText(["username": "alice", "password": "alice-password-1"]))
        #expect(login.status == 200)

        // Twice, even at once: refused, and no second account.
        async let second = server.http("POST", "/api/v1/join", body: jsonText(["file": file, "password": "other-password-1"]))
        async let third = server.http("POST", "/api/v1/join", body: jsonText(["file": file, "password": "other-password-2"]))
        let (b, c) = try await (second, third)
        #expect(b.status == 409 && c.status == 409, "\(b.body) \(c.body)")
        #expect(b.body["reason"]?.string == "invitation_used")
        let list = try await server.http("GET", "/api/v1/admin/invitations", token: admin)
        #expect(list.body.array.map { $0["state"]?.string } == ["used"], "\(list.body)")
        #expect(list.body[0]?["user"]?.string == me.body["user"]?.string)
        await server.stop()
    }

    @Test func revokedForeignAndNonAdminAreRefused() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let (_, bob) = try await server.register("bob")
        // Not an administrator: refused on every admin route.
        #expect(try await server.http("POST", "/api/v1/admin/client-files", token: bob, body: "{}").status == 403)
        #expect(try await server.http("GET", "/api/v1/admin/invitations", token: bob).status == 403)
        #expect(try await server.http("DELETE", "/api/v1/admin/invitations/x", token: bob).status == 403)
        // A plain file (no invitation) is not an invitation.
        let plain = try Self.payload(try await server.http("POST", "/api/v1/admin/client-files", token: admin))
        #expect(try await server.http("POST", "/api/v1/client-files/open", body: jsonText(["file": plain])).status == 200)
        #expect(try await server.http("POST", "/api/v1/join", body: jsonText(["file": plain, "password": "password-123"])).status == 400)
        // Out-of-range days, and a taken name.
        #expect(try await server.http("POST", "/api/v1/admin/client-files", token: admin,
                                      body: jsonText(["username": "carol", "days": 91])).status == 400)
        #expect(try await server.http("POST", "/api/v1/admin/client-files", token: admin,
                                      body: jsonText(["username": "bob"])).status == 409)
        // Revoked: refused.
        let made = try await server.http("POST", "/api/v1/admin/client-files", token: admin, body: jsonText(["username": "carol"]))
        let id = try #require(made.body["invitation"]?.string)
        #expect(try await server.http("DELETE", "/api/v1/admin/invitations/\(id)", token: admin).status == 200)
        let joined = try await server.http("POST", "/api/v1/join", body: jsonText(["file": try Self.payload(made), "password": "password-123"]))
        #expect(joined.status == 403 && joined.body["reason"]?.string == "invitation_revoked", "\(joined.body)")
        // Another server's file, however well formed: refused.
        let other = try await TestServer.start()
        defer { other.remove() }
        let foreign = try Self.payload(try await other.http("POST", "/api/v1/admin/client-files", token: try await other.adminToken(),
                                                            body: jsonText(["username": "dave"])))
        let refused = try await server.http("POST", "/api/v1/client-files/open", body: jsonText(["file": foreign]))
        #expect(refused.status == 400 && refused.body["reason"]?.string == "client_file_signature")
        // The key is the server's alone.
        let attributes = try FileManager.default.attributesOfItem(atPath: server.directory + "/client-files.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        await other.stop()
        await server.stop()
    }
}
