import Foundation
import Gateway
import Testing

/// One-to-one calls over real WebSockets (docs/calls.md): ringing on every device, answered on
/// one, signalling relayed only between the two bound connections, every ending (hang-up,
/// decline, cancel, missed, busy, a lost connection, a right removed) logged and told to both.
@Suite("Calls over WebSocket", .serialized)
struct CallTests {
    struct Office {
        let server: TestServer
        let alice: (user: String, token: String)
        let bob: (user: String, token: String)
        let carol: (user: String, token: String)
    }

    static func office(_ change: (inout ServerConfiguration) -> Void = { _ in }) async throws -> Office {
        let server = try await TestServer.start(change)
        let office = Office(server: server, alice: try await server.register("alice"), bob: try await server.register("bob"),
                            carol: try await server.register("carol"))
        return office
    }

    static func call(_ client: TestClient, _ user: String, video: Bool = false) async throws -> String {
        _ = try await client.send("openDirect", ["user": user])
        let reply = try await client.send("call", ["user": user, "video": video])
        return try #require(reply["call"]?.string, "call refused: \(reply)")
    }

    static func state(_ client: TestClient, _ call: String, _ state: String) async throws -> JSONValue {
        try await client.frame { $0["type"]?.string == "call" && $0["call"]?.string == call && $0["state"]?.string == state }
    }

    @Test func ringsEveryDeviceIsAnsweredOnOneAndSignalsGoOnlyBetweenTheTwo() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        let alice = try await office.server.client(office.alice.token)
        let bobDesk = try await office.server.client(office.bob.token)
        let bobPhone = try await office.server.client(office.bob.token)
        let carol = try await office.server.client(office.carol.token)
        let call = try await Self.call(alice, office.bob.user, video: true)
        let rung = try await Self.state(bobDesk, call, "ringing")
        #expect(rung["caller"]?.string == office.alice.user && rung["video"]?.bool == true)
        _ = try await Self.state(bobPhone, call, "ringing")
        // Not answered yet: nothing to relay to; a stranger cannot touch the call.
        #expect(try await alice.send("callSignal", ["call": call, "signal": "{}"])["reason"]?.string == "not_answered")
        #expect(try await carol.send("callAnswer", ["call": call])["code"]?.string == "notFound")
        #expect(try await carol.send("callEnd", ["call": call])["code"]?.string == "notFound")

        #expect(try await bobPhone.send("callAnswer", ["call": call])["type"]?.string == "ok")
        _ = try await Self.state(alice, call, "active")
        let elsewhere = try await Self.state(bobDesk, call, "ended")
        #expect(elsewhere["reason"]?.string == "answeredElsewhere")
        let offer = #"{"type":"offer","sdp":"v=0\r\n…"}"#
        #expect(try await alice.send("callSignal", ["call": call, "signal": offer])["type"]?.string == "ok")
        let relayed = try await bobPhone.frame { $0["type"]?.string == "callSignal" }
        #expect(relayed["signal"]?.string == offer && relayed["call"]?.string == call)
        #expect(try await bobDesk.send("callSignal", ["call": call, "signal": "{}"])["code"]?.string == "notFound")
        #expect(try await bobPhone.send("callSignal", ["call": call, "signal": #"{"type":"answer"}"#])["type"]?.string == "ok")
        _ = try await alice.frame { $0["type"]?.string == "callSignal" && $0["signal"]?.string == #"{"type":"answer"}"# }
        #expect(await carol.frames().allSatisfy { $0["type"]?.string != "callSignal" && $0["type"]?.string != "call" })

        // Alice is busy now: Carol's call to her ends at once.
        let busy = try await Self.call(carol, office.alice.user)
        #expect(try await Self.state(carol, busy, "ended")["reason"]?.string == "busy")

        #expect(try await bobPhone.send("callEnd", ["call": call])["type"]?.string == "ok")
        #expect(try await Self.state(alice, call, "ended")["reason"]?.string == "hangUp")
        // The conversation's events: started, answered, ended (who hung up is the actor).
        let ended = try await alice.event { $0["kind"]?.string == "call.ended" && $0["call"]?.string == call }
        #expect(ended["actor"]?.string == office.bob.user && ended["seconds"] != nil)
        let started = try await bobDesk.event { $0["kind"]?.string == "call.started" && $0["call"]?.string == call }
        #expect(started["caller"]?.string == office.alice.user && started["video"]?.bool == true)
        _ = try await bobDesk.event { $0["kind"]?.string == "call.answered" && $0["call"]?.string == call }
        await office.server.stop()
    }

    @Test func declinedCancelledMissedAndUnreachableCallsEndAndAreLogged() async throws {
        let office = try await Self.office {
            $0.limits.callRingSeconds = 1
            $0.iceServers = [ServerConfiguration.IceServer(urls: ["turn:turn.office.lan:3478"], username: "office", credential: "s3cret")]
        }
        defer { office.server.remove() }
        let alice = try await office.server.client(office.alice.token)
        let bob = try await office.server.client(office.bob.token)
        // The configured TURN server reaches logged-in clients (and only them: not /api/v1/server).
        let ice = try #require(await alice.welcome?["data"]?["iceServers"]?.array.first)
        #expect(ice["urls"]?.array.first?.string == "turn:turn.office.lan:3478" && ice["credential"]?.string == "s3cret")
        let open = try await office.server.http("GET", "/api/v1/server")
        #expect(open.body["iceServers"] == nil && "\(open.body)".contains("s3cret") == false)
        let declined = try await Self.call(alice, office.bob.user)
        _ = try await Self.state(bob, declined, "ringing")
        #expect(try await bob.send("callEnd", ["call": declined])["type"]?.string == "ok")
        #expect(try await Self.state(alice, declined, "ended")["reason"]?.string == "declined")

        let cancelled = try await Self.call(alice, office.bob.user)
        _ = try await Self.state(bob, cancelled, "ringing")
        #expect(try await alice.send("callEnd", ["call": cancelled])["type"]?.string == "ok")
        #expect(try await Self.state(bob, cancelled, "ended")["reason"]?.string == "cancelled")

        let missed = try await Self.call(alice, office.bob.user)
        let timedOut = try await Self.state(bob, missed, "ended")
        #expect(timedOut["reason"]?.string == "missed")
        let logged = try await bob.event { $0["kind"]?.string == "call.ended" && $0["call"]?.string == missed }
        #expect(logged["actor"]?.string == "system" && logged["seconds"]?.int == 0)

        // Carol is not connected: her call is missed at once (nobody to ring).
        let unreachable = try await Self.call(alice, office.carol.user)
        #expect(try await Self.state(alice, unreachable, "ended")["reason"]?.string == "missed")
        // Calls need the direct conversation, and not oneself.
        #expect(try await alice.send("call", ["user": office.alice.user])["reason"]?.string == "yourself")
        await office.server.stop()
    }

    @Test func aLostConnectionOrARightRemovedEndsTheCall() async throws {
        let office = try await Self.office()
        defer { office.server.remove() }
        let admin = try await office.server.adminToken()
        var alice = try await office.server.client(office.alice.token)
        let bob = try await office.server.client(office.bob.token)
        let first = try await Self.call(alice, office.bob.user)
        _ = try await Self.state(bob, first, "ringing")
        _ = try await bob.send("callAnswer", ["call": first])
        await alice.close()
        #expect(try await Self.state(bob, first, "ended")["reason"]?.string == "disconnected")

        alice = try await office.server.client(office.alice.token)
        let second = try await Self.call(alice, office.bob.user)
        _ = try await Self.state(bob, second, "ringing")
        _ = try await bob.send("callAnswer", ["call": second])
        _ = try await Self.state(alice, second, "active")
        let permissions = ["sendMessages", "postToRooms", "directMessages", "createRooms", "useEmoticons", "sendFiles", "kanban"]
        let change = try await office.server.http("PUT", "/api/v1/admin/groups/users", token: admin, body: jsonText([
            "name": "Users", "permissions": permissions]))
        #expect(change.status == 200)
        #expect(try await Self.state(alice, second, "ended")["reason"]?.string == "removed")
        #expect(try await Self.state(bob, second, "ended")["reason"]?.string == "removed")
        #expect(try await alice.send("call", ["user": office.bob.user])["reason"]?.string == "missing_permission:voice")
        await office.server.stop()
    }
}
