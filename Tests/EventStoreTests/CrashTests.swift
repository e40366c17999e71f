import EventStore
import Foundation
import Testing

@Suite("Crash safety", .serialized)
struct CrashTests {
    /// A child appends from 32 tasks and prints every acknowledgement; we SIGKILL it at random
    /// moments, 20 times, reopening the store each time: every acknowledged event must be there,
    /// with the payload its writer sent, positions gapless and the chain intact.
    @Test func everyAcknowledgedAppendSurvivesSIGKILL() async throws {
        let dir = TemporaryDirectory("crash")
        defer { dir.remove() }
        var acknowledged = 0
        var lost = 0
        var chainOK = true
        let kills = 20
        for round in 1...kills {
            let child = try ChildProcess.Running(["append", dir.path, "32"])
            try await Task.sleep(for: .milliseconds(Int.random(in: 60...400)))
            let output = child.kill()
            // A line cut by the kill has no newline: it was never a complete acknowledgement.
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            // The stream index backlog died with the child: a reader must still see every stream
            // whole (from the log's tail), and so must the next writer (which recovers it).
            do {
                let reader = try LMDBEventStore(.init(directory: dir.path, readOnly: true), logger: quiet)
                try StreamIndexTests.checkReads(reader, StreamIndexTests.model(reader), pages: [997])
                reader.close()
            }
            let store = try LMDBEventStore(.init(directory: dir.path), logger: quiet)
            try StreamIndexTests.checkReads(store, StreamIndexTests.model(store), pages: [997])
            for line in lines {
                let fields = line.split(separator: " ")
                guard fields.count == 4, fields[0] == "ack", let position = UInt64(fields[1]) else {
                    Issue.record("unexpected child output: \(line)")
                    continue
                }
                acknowledged += 1
                let expected = "task \(fields[2]) seq \(fields[3]) "
                guard let record = try store.record(at: position),
                      record.text.hasPrefix(expected)
                else {
                    lost += 1
                    continue
                }
            }
            let report = try store.verifyLog()
            if !report.isIntact || report.checked != report.recordedHead.position {
                chainOK = false
                Issue.record("round \(round): \(String(describing: report.problem))")
            }
            store.close()
        }
        print("kills=\(kills) acked=\(acknowledged) lost_acked=\(lost) chain_ok=\(chainOK)")
        #expect(acknowledged > kills * 10, "the child must have made progress between kills")
        #expect(lost == 0)
        #expect(chainOK)
    }
}
