import Fixtures
import Foundation
import Gateway
import Synchronization
import Testing

/// LAN discovery across two hosts: network namespaces made here, joined by a veth pair
/// (10.78.0.1 and 10.78.0.2), the server in one, `causerie discover` in the other. Needs root
/// (`ip netns`); elsewhere the test says so and does not run.
@Suite("LAN discovery", .serialized)
struct DiscoveryTests {
    static func sh(_ command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `sh` off the cooperative pool: a test waiting for a child process (`discover` waits
    /// seconds) must not hold one of the few threads every other test's server runs on.
    static func run(_ command: String) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try sh(command) }) }
        }
    }

    /// Two hosts on one link; nil where namespaces cannot be made.
    static func twoHosts() async throws -> (server: String, client: String)? {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let (a, b) = ("causerie-a-\(tag)", "causerie-b-\(tag)")
        guard try await run("ip netns add \(a) && ip netns add \(b)").status == 0 else { return nil }
        let setup = """
            ip link add ca\(tag) netns \(a) type veth peer name cb\(tag) netns \(b) && \
            ip -n \(a) addr add 10.78.0.1/24 broadcast 10.78.0.255 dev ca\(tag) && \
            ip -n \(b) addr add 10.78.0.2/24 broadcast 10.78.0.255 dev cb\(tag) && \
            ip -n \(a) link set ca\(tag) up && ip -n \(b) link set cb\(tag) up && \
            ip -n \(a) link set lo up && ip -n \(b) link set lo up
            """
        let result = try await run(setup)
        guard result.status == 0 else {
            _ = try? sh("ip netns del \(a); ip netns del \(b)")
            throw TestError("network namespaces: \(result.output)")
        }
        return (a, b)
    }

    @Test func aServerOnTheLinkIsFoundByBroadcastWithItsAddressAndFingerprint() async throws {
        guard let (a, b) = try await Self.twoHosts() else {
            print("LAN discovery test not run: network namespaces need root (ip netns)")
            return
        }
        defer { _ = try? Self.sh("ip netns del \(a); ip netns del \(b)") }
        let directory = NSTemporaryDirectory() + "causerie-discovery-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = ProcessTests.executable.path
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        serve.arguments = ["netns", "exec", a, binary, "serve", "--data", directory, "--host", "0.0.0.0", "--port", "18080",
                           "--discovery-port", "18089", "--log-level", "warning"]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        // Once the server answers on the other host's side of the link.
        for _ in 0..<200 {
            if try await Self.run("ip netns exec \(b) curl -s -o /dev/null http://10.78.0.1:18080/trust.json").status == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let found = try await Self.run("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1 --json")
        #expect(found.status == 0, "\(found.output)")
        let lines = found.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 1, "\(found.output)")
        let answer = try JSONValue(parsing: Data((lines.first ?? "").utf8))
        #expect(answer["from"]?.string == "10.78.0.1")
        #expect(answer["urls"]?.array.contains { $0.string == "https://10.78.0.1:18080/" } == true, "\(found.output)")
        let trust = try await Self.run("ip netns exec \(b) curl -s http://10.78.0.1:18080/trust.json")
        #expect(answer["fingerprint"]?.string == (try JSONValue(parsing: Data(trust.output.utf8)))["fingerprint"]?.string)
        // The table, for people.
        let table = try await Self.run("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1")
        #expect(table.output.contains("https://10.78.0.1:18080/") && table.output.contains("office authority SHA-256"))
        // Not a query: no answer, and the responder goes on.
        let stranger = try await Self.run("""
            ip netns exec \(b) python3 -c "
            import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
            s.sendto(b'CAUSERIE-DISCOVER 2\\\\n' + b'x' * 1000, ('10.78.0.1', 18089))
            try: print('answered', s.recv(2000))
            except socket.timeout: print('silent')"
            """)
        #expect(stranger.output.contains("silent"), "\(stranger.output)")
        #expect(try await Self.run("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1 --json").output.contains("10.78.0.1"))
        // Nobody on the port (and mDNS not asked): said plainly, non-zero.
        let nobody = try await Self.run("ip netns exec \(b) \(binary) discover --port 18090 --timeout 0.5 --no-mdns")
        #expect(nobody.status != 0 && nobody.output.contains("No Causerie server answered"))
    }

    /// `causerie serve` in namespace `host`, once it answers on `address`.
    static func serve(in host: String, address: String, port: Int, extra: [String] = [], reachableFrom client: String) async throws -> (Process, String) {
        let directory = NSTemporaryDirectory() + "causerie-mdns-" + UUID().uuidString
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        serve.arguments = ["netns", "exec", host, ProcessTests.executable.path, "serve", "--data", directory, "--host", "0.0.0.0",
                           "--port", "\(port)", "--log-level", "warning"] + extra
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        for _ in 0..<200 {
            if try await run("ip netns exec \(client) curl -s -o /dev/null http://\(address):\(port)/trust.json").status == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (serve, directory)
    }

    /// The events python-zeroconf (a DNS-SD browser independent of ours) sees in one namespace.
    final class Watcher: Sendable {
        let process = Process()
        let input = Pipe()
        /// What it printed so far (a read may end mid-line: parsed whole lines only).
        let printed = Mutex<String>("")

        var events: [JSONValue] {
            printed.withLock { $0 }.split(separator: "\n").compactMap { try? JSONValue(parsing: Data($0.utf8)) }
        }

        init(in host: String, types: [String]) throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Discovery/mdns-watch.py").path
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", host, "/usr/bin/python3", script] + types
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = input
            process.standardError = FileHandle.standardError
            output.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                self?.printed.withLock { $0 += text }
            }
            try process.run()
        }

        /// The first event that matches, waiting up to `seconds`.
        func wait(_ seconds: Double, for match: (JSONValue) -> Bool) async throws -> JSONValue? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let found = events.first(where: match) { return found }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    @Test func aServerIsAnnouncedOverMulticastDNSRenamedOnAConflictAndSaysGoodbye() async throws {
        guard let (a, b) = try await Self.twoHosts() else {
            print("mDNS test not run: network namespaces need root (ip netns)")
            return
        }
        defer { _ = try? Self.sh("ip netns del \(a); ip netns del \(b)") }
        try #require(try await Self.run("/usr/bin/python3 -c 'import zeroconf'").status == 0,
                     "python3-zeroconf (Debian) is needed: `make test` installs it")
        let watcher = try Watcher(in: b, types: ["_causerie._tcp.local.", "_https._tcp.local."])
        defer { watcher.stop() }
        #expect(try await watcher.wait(10) { $0["event"]?.string == "ready" } != nil)

        let (first, firstData) = try await Self.serve(in: a, address: "10.78.0.1", port: 18080,
                                                      extra: ["--discovery-port", "18089"], reachableFrom: b)
        defer { first.terminate(); first.waitUntilExit(); try? FileManager.default.removeItem(atPath: firstData) }
        let trust = try JSONValue(parsing: Data(try await Self.run("ip netns exec \(b) curl -s http://10.78.0.1:18080/trust.json").output.utf8))
        let fingerprint = try #require(trust["fingerprint"]?.string)
        func on(_ address: String, _ type: String) -> (JSONValue) -> Bool {
            { $0["event"]?.string == "added" && $0["type"]?.string == type && $0["addresses"]?.array.contains { $0.string == address } == true }
        }
        // An independent browser resolves both service types to the server's address, port and TXT.
        let causerie = try #require(try await watcher.wait(15, for: on("10.78.0.1", "_causerie._tcp.local.")), "\(watcher.events)")
        #expect(causerie["port"]?.int == 18080)
        #expect(causerie["properties"]?["fp"]?.string == fingerprint)
        #expect(causerie["properties"]?["scheme"]?.string == "https")
        let name = try #require(causerie["properties"]?["name"]?.string)
        #expect(causerie["name"]?.string == "\(name)._causerie._tcp.local.")
        #expect(try await watcher.wait(10, for: on("10.78.0.1", "_https._tcp.local.")) != nil)

        // `causerie discover` finds it both ways as one server, and by mDNS alone where the
        // broadcast port is wrong.
        let binary = ProcessTests.executable.path
        let both = try await Self.run("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1.5 --json")
        let lines = both.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 1, "\(both.output)")
        let merged = try JSONValue(parsing: Data((lines.first ?? "{}").utf8))
        #expect(merged["foundBy"]?.array.compactMap(\.string) == ["broadcast", "mdns"], "\(both.output)")
        let alone = try await Self.run("ip netns exec \(b) \(binary) discover --port 18090 --timeout 1.5 --json")
        let mdnsOnly = try JSONValue(parsing: Data((alone.output.split(separator: "\n").first { $0.hasPrefix("{") } ?? "{}").utf8))
        #expect(mdnsOnly["foundBy"]?.array.compactMap(\.string) == ["mdns"], "\(alone.output)")
        #expect(mdnsOnly["urls"]?.array.contains { $0.string == "https://10.78.0.1:18080/" } == true, "\(alone.output)")
        #expect(mdnsOnly["fingerprint"]?.string == fingerprint)

        // A second server with the same name on the other host (and, namespaces sharing the
        // host name, the same host name): it finds both names taken while probing and takes the next.
        let (second, secondData) = try await Self.serve(in: b, address: "10.78.0.2", port: 18081, reachableFrom: a)
        defer { second.terminate(); second.waitUntilExit(); try? FileManager.default.removeItem(atPath: secondData) }
        let renamed = try #require(try await watcher.wait(15, for: on("10.78.0.2", "_causerie._tcp.local.")), "\(watcher.events)")
        #expect(renamed["name"]?.string == "\(name) (2)._causerie._tcp.local.", "\(renamed)")
        #expect(renamed["server"]?.string != causerie["server"]?.string, "each its own host name: \(renamed) \(causerie)")
        #expect(renamed["port"]?.int == 18081)
        // The first one still holds its name and address.
        let removed = watcher.events.filter { $0["event"]?.string == "removed" }
        #expect(removed.isEmpty, "\(removed)")

        // Stopped, it says goodbye: browsers drop it at once, not when its records expire.
        first.terminate()
        first.waitUntilExit()
        let gone = try await watcher.wait(5) { $0["event"]?.string == "removed" && $0["name"]?.string == "\(name)._causerie._tcp.local." }
        #expect(gone != nil, "\(watcher.events)")
    }

    /// An administrator switches discovery off and on from the panel's API, live: the mDNS
    /// announcement says goodbye and comes back (probing again), the broadcast responder falls
    /// silent and answers again.
    @Test func anAdministratorSwitchesDiscoveryOffAndOnLive() async throws {
        guard let (a, b) = try await Self.twoHosts() else {
            print("discovery switch test not run: network namespaces need root (ip netns)")
            return
        }
        defer { _ = try? Self.sh("ip netns del \(a); ip netns del \(b)") }
        try #require(try await Self.run("/usr/bin/python3 -c 'import zeroconf'").status == 0,
                     "python3-zeroconf (Debian) is needed: `make test` installs it")
        // A store whose administrator's password is known (no one-time password to read).
        let directory = NSTemporaryDirectory() + "causerie-switch-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = try Fixture(directory: directory)
        try fixture.initialize(passwordHash: PasswordHasher.hashNowForFixtures("admin-password-1"))
        try fixture.close()
        let watcher = try Watcher(in: b, types: ["_causerie._tcp.local."])
        defer { watcher.stop() }
        #expect(try await watcher.wait(10) { $0["event"]?.string == "ready" } != nil)
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        serve.arguments = ["netns", "exec", a, ProcessTests.executable.path, "serve", "--data", directory, "--host", "0.0.0.0",
                           "--port", "18080", "--tls", "off", "--discovery-port", "18089", "--log-level", "warning"]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        let base = "http://10.78.0.1:18080/api/v1"
        for _ in 0..<200 {
            if try await Self.run("ip netns exec \(b) curl -s -o /dev/null \(base)/server").status == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let login = try await Self.run("""
            ip netns exec \(b) curl -s -H 'Content-Type: application/json' \
              -d '{"username":"admin","password":"admin-password-1"}' \(base)/login
            """)
        let token = try #require(try JSONValue(parsing: Data(login.output.utf8))["token"]?.string, "\(login.output)")
        func change(_ body: String) async throws {
            let done = try await Self.run("""
                ip netns exec \(b) curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Authorization: Bearer \(token)' \
                  -H 'Content-Type: application/json' -d '\(body)' \(base)/admin/discovery
                """)
            #expect(done.output == "200", "\(body): \(done.output)")
        }
        func broadcastAnswers() async throws -> Bool {
            try await Self.run("ip netns exec \(b) \(ProcessTests.executable.path) discover --port 18089 --timeout 1 --no-mdns --json")
                .output.contains("10.78.0.1")
        }
        func seen(_ event: String, after count: Int) async throws -> Bool {
            try await watcher.wait(15) { _ in
                watcher.events.dropFirst(count).contains { $0["event"]?.string == event && $0["type"]?.string == "_causerie._tcp.local." }
            } != nil
        }
        #expect(try await seen("added", after: 0), "\(watcher.events)")
        #expect(try await broadcastAnswers())

        // Off: goodbye at once, and silence on the broadcast port.
        var count = watcher.events.count
        try await change(#"{"multicastDNS": false, "broadcast": false}"#)
        #expect(try await seen("removed", after: count), "no goodbye: \(watcher.events)")
        #expect(try await broadcastAnswers() == false, "still answering broadcasts")
        let status = try await Self.run("ip netns exec \(b) curl -s -H 'Authorization: Bearer \(token)' \(base)/admin/status")
        let discovery = try JSONValue(parsing: Data(status.output.utf8))["discovery"]
        #expect(discovery?["multicastDNS"]?.bool == false && discovery?["broadcast"]?.bool == false
                && discovery?["multicastDNSAvailable"]?.bool == true && discovery?["broadcastPort"]?.int == 18089, "\(status.output)")

        // On again: announced again, and answering.
        count = watcher.events.count
        try await change(#"{"multicastDNS": true, "broadcast": true}"#)
        #expect(try await seen("added", after: count), "not announced again: \(watcher.events)")
        #expect(try await broadcastAnswers())
    }
}
