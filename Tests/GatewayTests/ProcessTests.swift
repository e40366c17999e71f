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

    @Test(arguments: [SIGTERM, SIGINT])
    func serveStopsGracefullyOnASignal(signal: Int32) async throws {
        let directory = NSTemporaryDirectory() + "causerie-proc-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = Int.random(in: 20_000...40_000)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--data", directory, "--host", "127.0.0.1", "--port", "\(port)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var ready = false
        for _ in 0..<300 where !ready {
            try await Task.sleep(for: .milliseconds(50))
            let url = URL(string: "http://127.0.0.1:\(port)/api/v1/server")!
            if let (_, response) = try? await URLSession.shared.data(from: url) {
                ready = (response as? HTTPURLResponse)?.statusCode == 200
            }
        }
        #expect(ready)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("one-time password: "))
        // The store was closed cleanly: it opens again for writing at once.
        let again = Process()
        again.executableURL = Self.executable
        again.arguments = ["serve", "--data", directory, "--host", "127.0.0.1", "--port", "\(port + 1)"]
        let secondOutput = Pipe()
        again.standardOutput = secondOutput
        again.standardError = FileHandle.nullDevice
        try again.run()
        try await Task.sleep(for: .seconds(2))
        kill(again.processIdentifier, SIGTERM)
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
        let second = String(decoding: secondOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!second.contains("one-time password"), "the administrator is created once only")
    }
}
