import Foundation
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

    /// Two hosts on one link; nil where namespaces cannot be made.
    static func twoHosts() throws -> (server: String, client: String)? {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let (a, b) = ("causerie-a-\(tag)", "causerie-b-\(tag)")
        guard try sh("ip netns add \(a) && ip netns add \(b)").status == 0 else { return nil }
        let setup = """
            ip link add ca\(tag) netns \(a) type veth peer name cb\(tag) netns \(b) && \
            ip -n \(a) addr add 10.78.0.1/24 broadcast 10.78.0.255 dev ca\(tag) && \
            ip -n \(b) addr add 10.78.0.2/24 broadcast 10.78.0.255 dev cb\(tag) && \
            ip -n \(a) link set ca\(tag) up && ip -n \(b) link set cb\(tag) up && \
            ip -n \(a) link set lo up && ip -n \(b) link set lo up
            """
        let result = try sh(setup)
        guard result.status == 0 else {
            _ = try? sh("ip netns del \(a); ip netns del \(b)")
            throw TestError("network namespaces: \(result.output)")
        }
        return (a, b)
    }

    @Test func aServerOnTheLinkIsFoundByBroadcastWithItsAddressAndFingerprint() async throws {
        guard let (a, b) = try Self.twoHosts() else {
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
        for _ in 0..<200 where try Self.sh("ip netns exec \(b) curl -s -o /dev/null http://10.78.0.1:18080/trust.json").status != 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let found = try Self.sh("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1 --json")
        #expect(found.status == 0, "\(found.output)")
        let lines = found.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 1, "\(found.output)")
        let answer = try JSONValue(parsing: Data((lines.first ?? "").utf8))
        #expect(answer["from"]?.string == "10.78.0.1")
        #expect(answer["urls"]?.array.contains { $0.string == "https://10.78.0.1:18080/" } == true, "\(found.output)")
        let trust = try Self.sh("ip netns exec \(b) curl -s http://10.78.0.1:18080/trust.json")
        #expect(answer["fingerprint"]?.string == (try JSONValue(parsing: Data(trust.output.utf8)))["fingerprint"]?.string)
        // The table, for people.
        let table = try Self.sh("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1")
        #expect(table.output.contains("https://10.78.0.1:18080/") && table.output.contains("office authority SHA-256"))
        // Not a query: no answer, and the responder goes on.
        let stranger = try Self.sh("""
            ip netns exec \(b) python3 -c "
            import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
            s.sendto(b'CAUSERIE-DISCOVER 2\\\\n' + b'x' * 1000, ('10.78.0.1', 18089))
            try: print('answered', s.recv(2000))
            except socket.timeout: print('silent')"
            """)
        #expect(stranger.output.contains("silent"), "\(stranger.output)")
        #expect(try Self.sh("ip netns exec \(b) \(binary) discover --port 18089 --timeout 1 --json").output.contains("10.78.0.1"))
        // Nobody on the port: said plainly, non-zero.
        let nobody = try Self.sh("ip netns exec \(b) \(binary) discover --port 18090 --timeout 0.5")
        #expect(nobody.status != 0 && nobody.output.contains("No Causerie server answered"))
    }
}
