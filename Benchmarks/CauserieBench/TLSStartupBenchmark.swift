import ArgumentParser
import Foundation
import Gateway
import Logging

/// What TLS adds to `causerie serve`'s start (docs/tls.md): the office authority and certificate
/// made at a first start, read and checked at every later one, and the TLS context built.
struct TLSStartupBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls-startup", abstract: "Time TLS adds to a start: first (authority made) and later (files read).")

    @Option(help: "Starts measured of each kind.") var runs: Int = 20
    @Option(help: "Parent directory for the data directories.") var directory: String?

    struct Report: Encodable {
        var bench = "tls-startup"
        var runs: Int
        var first_start_ms_median: Double
        var first_start_ms_max: Double
        var later_start_ms_median: Double
        var later_start_ms_max: Double
    }

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var first: [Double] = [], later: [Double] = []
        for _ in 0..<runs {
            let path = Measure.scratchDirectory("tls-startup", under: directory)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            first.append(try Self.time { _ = try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: path, logger: logger) })
            later.append(try Self.time { _ = try ServerTLS.start(TLSSettings(mode: .office), dataDirectory: path, logger: logger) })
        }
        first.sort()
        later.sort()
        Measure.note("first start (authority and certificate made): median \(first[first.count / 2]) ms; later starts: \(later[later.count / 2]) ms")
        try Measure.report(Report(runs: runs, first_start_ms_median: first[first.count / 2], first_start_ms_max: first.last ?? 0,
                              later_start_ms_median: later[later.count / 2], later_start_ms_max: later.last ?? 0))
    }

    static func time(_ body: () throws -> Void) throws -> Double {
        let started = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return (milliseconds * 1000).rounded() / 1000
    }
}
