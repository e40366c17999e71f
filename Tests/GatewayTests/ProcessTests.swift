import Crypto
import Fixtures
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `causerie serve` as an operator runs it: first-start banner, then a clean stop on SIGTERM.
@Suite("The causerie command", .serialized)
struct ProcessTests {
    static var executable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug"),
        ]
        for directory in candidates where FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("causerie").path) {
            return directory.appendingPathComponent("causerie")
        }
        fatalError("causerie not built next to the tests")
    }

    /// `causerie serve` on a free port, once it answers HTTP; its standard output and error.
    /// Plain HTTP (`--tls off`): the office authority's start is TLSTests' and the banner test's.
    static func serve(_ directory: String) async throws -> (Process, Pipe, Pipe) {
        let port = try LocalPort.free()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--data", directory, "--host", "127.0.0.1", "--port", "\(port)", "--tls", "off", "--no-mdns"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        for _ in 0..<600 {
            try await Task.sleep(for: .milliseconds(50))
            let url = URL(string: "http://127.0.0.1:\(port)/api/v1/server")!
            if let (_, response) = try? await URLSession.shared.data(from: url),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return (process, output, errors)
            }
            if !process.isRunning { break }
        }
        process.terminate()
        process.waitUntilExit()
        throw TestError("serve did not start: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func serveStopsGracefullyOnASignal(signal: Int32) async throws {
        let directory = NSTemporaryDirectory() + "causerie-proc-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (process, output, errors) = try await Self.serve(directory)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0,
                "\(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("one-time password: "))
        // The store was closed cleanly: it opens again for writing at once.
        let (again, secondOutput, secondErrors) = try await Self.serve(directory)
        kill(again.processIdentifier, SIGTERM)
        again.waitUntilExit()
        #expect(again.terminationStatus == 0,
                "\(String(decoding: secondErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        let second = String(decoding: secondOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!second.contains("one-time password"), "the administrator is created once only")
    }

    /// The block an operator reads after `make run`: the addresses to open (never 0.0.0.0), the
    /// administrator's one-time password on a first start, and how to stop.
    @Test func serveSaysWhereToOpenItAndHowToStop() async throws {
        let directory = NSTemporaryDirectory() + "causerie-proc-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try LocalPort.free()
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--data", directory, "--host", "0.0.0.0", "--port", "\(port)", "--no-mdns"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var printed = ""
        for _ in 0..<300 where !printed.contains("Stop the server") {
            try await Task.sleep(for: .milliseconds(50))
            printed += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        // SIGHUP re-reads the certificate; it does not end the server.
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // HTTPS by default, with the office authority's fingerprint to compare on each device.
        #expect(printed.contains("https://localhost:\(port)/"), "\(printed)")
        #expect(!printed.contains("0.0.0.0"))
        #expect(printed.contains("user name: admin") && printed.contains("one-time password: "))
        #expect(printed.contains("Stop the server with Ctrl+C"))
        let pem = try String(contentsOfFile: directory + "/tls/ca.crt", encoding: .utf8)
        let der = Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined())!
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
        #expect(printed.contains("   " + fingerprint + "\n"), "\(printed)")
    }
}

