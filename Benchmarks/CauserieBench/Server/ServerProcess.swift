import Fixtures
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `causerie serve`, started as a child process on a free port, with its CPU time and
/// memory read from /proc.
final class ServerProcess {
    let process = Process()
    let port: Int
    let directory: String

    /// With `tls`, the office authority (docs/tls.md): clients trust `authorityFile`.
    let tls: Bool
    var authorityFile: String { directory + "/tls/ca.crt" }

    init(directory: String, configuration: [String: Any] = [:], tls: Bool = false) throws {
        self.directory = directory
        self.tls = tls
        port = try LocalPort.free()
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("causerie")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BenchError("build the server first: swift build -c release --product causerie")
        }
        let configPath = try Self.writeConfiguration(for: directory, configuration)
        process.executableURL = executable
        process.arguments = ["serve", "--data", directory, "--host", "127.0.0.1", "--port", "\(port)", "--tls", tls ? "office" : "off",
                             "--config", configPath, "--log-level", "warning", "--no-mdns"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// Writes the server's configuration next to its store (`DIRECTORY.json`): the given settings,
    /// with the connection and outbox limits raised for one generator holding every connection.
    static func writeConfiguration(for directory: String, _ configuration: [String: Any] = [:]) throws -> String {
        let path = directory + ".json"
        var config = configuration
        config["limits"] = (config["limits"] as? [String: Any] ?? [:]).merging([
            "connectionsPerAddress": 100_000, "maxConnections": 100_000, "outboxFrames": 100_000,
        ]) { current, _ in current }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Waits until the server answers HTTP.
    func waitReady(timeout: Double = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            // With TLS, plain HTTP answers /trust.json only (the WebSocket then waits for the views).
            let url = URL(string: "http://127.0.0.1:\(port)/\(tls ? "trust.json" : "api/v1/server")")!
            if let (_, response) = try? await URLSession.shared.data(from: url),
               (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the server did not start")
    }

    /// User plus system CPU seconds of the server process so far.
    var cpuSeconds: Double { Self.cpuSeconds(of: process.processIdentifier) }

    /// User plus system CPU seconds of process `pid` so far (NaN if it cannot be read).
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state(0) ppid … utime is field 14 overall, index 11 here; stime 12.
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory of the server process, in bytes.
    var residentBytes: Int { statusField("VmRSS:") }

    /// Resident memory of the server process that is not a file's pages, in bytes: its heap and
    /// stacks, without the log's memory map (whose resident pages grow with the log).
    var anonymousBytes: Int { statusField("RssAnon:") }

    private func statusField(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
        }
        return 0
    }

    /// Stops the server (again: nothing).
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory + ".json")
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
