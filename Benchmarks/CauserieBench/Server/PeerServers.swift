import Fixtures
import Foundation

/// A peer server from Debian, started for a side-by-side run: InspIRCd (IRC, C++) or mosquitto
/// (MQTT, C), configured for the same shape as Causerie's fan-out (one room, no per-client
/// throttling, queues large enough for the load) on a free port of 127.0.0.1.
///
/// Debian's package named `ergo` is a chemistry program, not the Ergo IRC server: InspIRCd is the
/// IRC server available here.
final class PeerServer {
    enum Kind: String, CaseIterable, Sendable {
        case inspircd, mosquitto

        var package: String { rawValue }
        var binary: String { "/usr/sbin/\(rawValue)" }
    }

    let kind: Kind
    let port: Int
    let directory: String
    let process = Process()

    init(_ kind: Kind) throws {
        self.kind = kind
        try Self.install(kind)
        port = try LocalPort.free()
        directory = NSTemporaryDirectory() + "causerie-peer-\(kind.rawValue)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/server.conf"
        try configuration().write(toFile: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: kind.binary)
        process.arguments = switch kind {
        case .inspircd: ["--nofork", "--runasroot", "--config=\(config)"]
        case .mosquitto: ["-c", config]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Installs the Debian package if its program is missing (the benchmark needs root then).
    static func install(_ kind: Kind) throws {
        guard !FileManager.default.isExecutableFile(atPath: kind.binary) else { return }
        Measure.note("installing \(kind.package) from Debian…")
        let apt = Process()
        apt.executableURL = URL(fileURLWithPath: "/bin/sh")
        apt.arguments = ["-c", "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \(kind.package)"
            + " && (systemctl stop \(kind.package) 2>/dev/null; systemctl disable \(kind.package) 2>/dev/null; true)"]
        try apt.run()
        apt.waitUntilExit()
        guard FileManager.default.isExecutableFile(atPath: kind.binary) else {
            throw BenchError("could not install \(kind.package) (apt-get install \(kind.package) as root)")
        }
    }

    private func configuration() -> String {
        switch kind {
        case .inspircd:
            // One connect class for everyone with its flood protection off (threshold, commandrate,
            // fakelag) and queues large enough: InspIRCd would otherwise register about one
            // client a second per class and throttle the sender.
            """
            <server name="bench.local" description="fan-out benchmark" network="bench">
            <admin name="bench" nick="bench" email="bench@localhost">
            <bind address="127.0.0.1" port="\(port)" type="clients">
            <connect name="main" allow="*" timeout="120" threshold="1000000" commandrate="1000000000" fakelag="no"
                     pingfreq="3600" hardsendq="67108864" softsendq="67108864" recvq="1048576"
                     localmax="1000000" globalmax="1000000" maxconnwarn="no" resolvehostnames="no" useident="no" limit="1000000">
            <channels users="100" opers="100">
            <performance softlimit="100000" somaxconn="4096" netbuffersize="65536" quietbursts="yes" clonesonconnect="no">
            <pid file="\(directory)/inspircd.pid">
            <dns server="127.0.0.1" timeout="1">
            <options syntaxhints="no" announcets="no" hostintopic="no" pingwarning="0">
            <log method="file" type="*" level="default" target="\(directory)/inspircd.log">
            """
        case .mosquitto:
            // Nagle off, as Causerie's sockets are, and no limit on queued messages or connections.
            """
            listener \(port) 127.0.0.1
            allow_anonymous true
            max_connections -1
            max_queued_messages 0
            max_inflight_messages 0
            set_tcp_nodelay true
            persistence false
            log_dest none
            """
        }
    }

    var pid: Int32 { process.processIdentifier }
    var cpuSeconds: Double { ServerProcess.cpuSeconds(of: pid) }

    /// Waits until the port accepts connections.
    func waitReady(timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { throw BenchError("\(kind.rawValue) exited at start (see \(directory))") }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if connected == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("\(kind.rawValue) did not listen on \(port)")
    }

    /// SIGTERM, and SIGKILL if it has not gone after 3 s (InspIRCd sometimes lingers).
    func stop() {
        if process.isRunning {
            process.terminate()
            for _ in 0..<30 where process.isRunning { usleep(100_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
