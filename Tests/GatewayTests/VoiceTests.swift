import CauserieClient
import Foundation
@testable import Gateway
import Projections
import Synchronization
import Testing

/// Group voice end to end: real WebSockets carrying real Opus packets at 20 ms, the server's mix
/// decoded and listened to (Goertzel), rights checked live, moderators' mutes and kicks, joins and
/// leaves in the log, and hostile binary frames (docs/calls.md).
@Suite("Group voice over WebSocket", .serialized)
struct VoiceTests {
    /// What one connection was sent as voice, in arrival order.
    final class Received: Sendable {
        let packets = Mutex<[[UInt8]]>([])
        let malformed = Mutex(0)

        func add(_ bytes: [UInt8]) {
            guard bytes.count > 3, bytes[0] == VoiceHub.audioToClient else {
                malformed.withLock { $0 += 1 }
                return
            }
            packets.withLock { $0.append(Array(bytes[3...])) }
        }

        /// The packets decoded as one stream (a client's decoder).
        func pcm() throws -> [Float] {
            let decoder = try OpusDecoding()
            return packets.withLock { $0 }.flatMap { decoder.decode($0).frame }
        }

        func clear() { packets.withLock { $0 = [] } }
    }

    struct Participant {
        let client: TestClient
        let received: Received
        let hertz: Double
        let user: String
    }

    static func participant(_ server: TestServer, _ account: (user: String, token: String), hertz: Double) async throws -> Participant {
        let received = Received()
        let client = try await TestClient.connect(port: server.port, onBinary: { received.add($0) })
        try await client.hello(account.token)
        return Participant(client: client, received: received, hertz: hertz, user: account.user)
    }

    /// Each participant sends `frames` packets of its tone, one every 20 ms, as a browser does;
    /// all from one loop, so that a loaded machine delays them together rather than one after another.
    static func speak(_ participants: [Participant], frames: Int, from start: Int = 0) async throws {
        let encoders = try participants.map { _ in try OpusEncoding() }
        let clock = ContinuousClock()
        let began = clock.now
        for frame in start..<start + frames {
            for (participant, encoder) in zip(participants, encoders) {
                let packet = try encoder.encode(VoiceMixerTests.tone(participant.hertz, frame: frame))
                let sequence = UInt16(truncatingIfNeeded: frame)
                participant.client.socket.sendFrame(
                    opcode: 0x2, payload: [VoiceHub.audioFromClient, UInt8(sequence >> 8), UInt8(sequence & 0xFF)] + packet)
            }
            try await clock.sleep(until: began + .milliseconds(20 * (frame - start + 1)))
        }
    }

    /// Who is in main's voice as a client sees it: the last whole list, then each update after it.
    static func inVoice(_ client: TestClient) async -> Set<String> {
        var people = Set<String>()
        for frame in await client.frames() {
            switch frame["type"]?.string {
            case "voice": people = Set(frame["participants"]!.array.compactMap { $0["user"]?.string })
            case "voiceUpdate":
                let user = frame["user"]!.string!
                if frame["present"]?.bool == true { people.insert(user) } else { people.remove(user) }
            default: break
            }
        }
        return people
    }

    static func waitInVoice(_ client: TestClient, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while await inVoice(client).count != count {
            guard ContinuousClock.now < deadline else { throw TestError("\(await inVoice(client)) in the voice, not \(count)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the client has had `count` binary frames refused.
    static func refused(_ client: TestClient, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while await client.frames().filter({ $0["type"]?.string == "error" && $0["reason"]?.string == "binary_frame" }).count < count {
            guard ContinuousClock.now < deadline else { throw TestError("binary frame \(count) was not refused") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A tone's level over everything heard after the first 10 frames (the buffers filling).
    static func level(_ pcm: [Float], _ hertz: Double) -> Double {
        VoiceMixerTests.decibels(VoiceMixerTests.power(Array(pcm.dropFirst(10 * VoiceFormat.frameSamples)), at: hertz))
    }

    @Test func eachHearsTheOthersNotThemselvesAndJoinsAndLeavesAreLogged() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let accounts = [try await server.register("ann"), try await server.register("bob"), try await server.register("cat")]
        let tones = [440.0, 1_000.0, 2_500.0]
        var people: [Participant] = []
        for (account, hertz) in zip(accounts, tones) { people.append(try await Self.participant(server, account, hertz: hertz)) }
        for person in people {
            #expect(try await person.client.send("voiceJoin", ["room": "main"])["type"]?.string == "ok")
        }
        // The first to join got the list of one, then each join as it came.
        try await Self.waitInVoice(people[0].client, count: 3)
        let list = try await people[2].client.send("voiceList", ["room": "main"])
        #expect(Set(list["participants"]!.array.compactMap { $0["user"]?.string }) == Set(accounts.map(\.user)))
        try await Self.speak(people, frames: 100)
        try await Task.sleep(for: .milliseconds(200))
        for person in people {
            let heard = try person.received.pcm()
            #expect(heard.count >= 60 * VoiceFormat.frameSamples, "\(person.user) got \(heard.count / VoiceFormat.frameSamples) frames")
            // Over the whole stream: on a loaded machine (CI) packets come late in bursts and some
            // stretches are concealed, which lowers the others' level; their tones must still stand
            // far above one's own, which is never in one's mix (about −16 dB against −85 here).
            let own = Self.level(heard, person.hertz)
            #expect(own < -45, "\(person.user) hears themselves at \(own) dB")
            for other in people where other.user != person.user {
                let level = Self.level(heard, other.hertz)
                #expect(level > -40 && level > own + 30, "\(person.user) hears \(other.user) at only \(level) dB (own \(own) dB)")
            }
            #expect(person.received.malformed.withLock { $0 } == 0)
        }
        let speaking = try await people[0].client.frame { $0["type"]?.string == "speaking" && $0["users"]?.array.count == 3 }
        #expect(Set(speaking["users"]!.array.compactMap(\.string)) == Set(accounts.map(\.user)))

        // Joins are in the log (and so in the room's events); a leave and a disconnection too.
        let joined = await people[2].client.events().filter { $0["kind"]?.string == "voice.joined" }
        #expect(Set(joined.compactMap { $0["user"]?.string }) == Set(accounts.map(\.user)))
        #expect(try await people[0].client.send("voiceLeave")["type"]?.string == "ok")
        let left = try await people[2].client.event { $0["kind"]?.string == "voice.left" && $0["user"]?.string == accounts[0].user }
        #expect(left["reason"]?.string == "left")
        await people[1].client.close()
        let gone = try await people[2].client.event { $0["kind"]?.string == "voice.left" && $0["user"]?.string == accounts[1].user }
        #expect(gone["reason"]?.string == "disconnected")
        #expect(gone["actor"]?.string == "system")
        try await Self.waitInVoice(people[2].client, count: 1)
        await server.stop()
    }

    @Test func rightsAreCheckedLiveAndModeratorsMuteAndKick() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let admin = try await server.adminToken()
        let ann = try await Self.participant(server, try await server.register("ann"), hertz: 440)
        let bob = try await Self.participant(server, try await server.register("bob"), hertz: 1_000)
        let moderator = try await server.client(admin)

        // A private room ann is not in: as if it did not exist.
        let room = try await moderator.send("createRoom", ["name": "board-only", "visibility": "private"])
        let privateRoom = try #require(room["room"]?.string)
        let hidden = try await ann.client.send("voiceJoin", ["room": privateRoom])
        #expect(hidden["code"]?.string == "notFound")

        #expect(try await ann.client.send("voiceJoin", ["room": "main"])["type"]?.string == "ok")
        #expect(try await bob.client.send("voiceJoin", ["room": "main"])["type"]?.string == "ok")
        // Not an operator of main: bob cannot mute ann; an unknown action is refused.
        #expect(try await bob.client.send("voiceModerate", ["room": "main", "user": ann.user, "action": "mute"])["code"]?.string
            == "forbidden")
        #expect(try await moderator.send("voiceModerate", ["room": "main", "user": ann.user, "action": "silence"])["reason"]?.string
            == "unknown_action")

        // The moderator mutes bob: ann stops hearing him; the mute is in the log.
        #expect(try await moderator.send("voiceModerate", ["room": "main", "user": bob.user, "action": "mute"])["type"]?.string == "ok")
        let muted = try await ann.client.event { $0["kind"]?.string == "voice.muted" }
        #expect(muted["user"]?.string == bob.user && muted["muted"]?.bool == true)
        _ = try await ann.client.frame { frame in
            frame["type"]?.string == "voiceUpdate" && frame["user"]?.string == bob.user && frame["mutedByModerator"]?.bool == true
        }
        ann.received.clear()
        try await Self.speak([bob], frames: 40)
        #expect(ann.received.packets.withLock { $0.count } == 0, "a muted voice was mixed")

        // Hostile binary frames: refused with an error frame; the connection stays.
        ann.client.socket.sendFrame(opcode: 0x2, payload: [VoiceHub.audioFromClient])
        try await Self.refused(ann.client, count: 1)
        ann.client.socket.sendFrame(opcode: 0x2, payload: [VoiceHub.audioFromClient, 0, 1] + [UInt8](repeating: 0xAB, count: 4_000))
        try await Self.refused(ann.client, count: 2)
        ann.client.socket.sendFrame(opcode: 0x2, payload: [VoiceHub.audioFromClient, 0, 2, 0xFF, 0xFF, 0xFF])  // not Opus: concealed
        #expect(try await ann.client.send("ping")["type"]?.string == "ok")

        // The kick: bob is told, and out.
        #expect(try await moderator.send("voiceModerate", ["room": "main", "user": bob.user, "action": "kick"])["type"]?.string == "ok")
        let kicked = try await bob.client.frame { $0["type"]?.string == "voiceEnded" }
        #expect(kicked["reason"]?.string == "kicked")
        bob.client.socket.sendFrame(opcode: 0x2, payload: [VoiceHub.audioFromClient, 0, 50, 0xF8, 0xFF, 0xFE])
        try await Self.refused(bob.client, count: 1)  // a kicked connection has no seat

        // The voice right removed from everyone: ann is taken out at once and told why.
        let permissions = ["sendMessages", "postToRooms", "directMessages", "createRooms", "useEmoticons", "sendFiles", "video", "kanban"]
        let change = try await server.http("PUT", "/api/v1/admin/groups/users", token: admin, body: jsonText([
            "name": "Users", "permissions": permissions]))
        #expect(change.status == 200)
        let ended = try await ann.client.frame { $0["type"]?.string == "voiceEnded" }
        #expect(ended["reason"]?.string == "removed")
        let removed = try await ann.client.event { $0["kind"]?.string == "voice.left" && $0["user"]?.string == ann.user }
        #expect(removed["reason"]?.string == "removed")
        let refused = try await ann.client.send("voiceJoin", ["room": "main"])
        #expect(refused["reason"]?.string == "missing_permission:voice")
        await server.stop()
    }
}
