import EventStore
import Fixtures
import Foundation
import Operations
import Projections
import Testing

/// Every `causerie` command shown in docs/operations.md runs, as written, in order, on a scripted
/// history (`audit log --type user.kicked`, once the docs' example, failed with "unknown kind");
/// and every file those commands write is readable by owner and group only.
@Suite("Documented commands", .serialized)
struct DocumentedCommandsTests {
    /// The commands of the page's ```sh blocks, comments removed.
    static func documentedCommands() throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/operations.md")
        var commands: [String] = []
        var inShell = false
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = line == "```sh" && !inShell
                continue
            }
            guard inShell, line.hasPrefix("causerie ") else { continue }
            let command = line.range(of: "  #").map { String(line[..<$0.lowerBound]) } ?? String(line)
            commands.append(command.trimmingCharacters(in: .whitespaces))
        }
        return commands
    }

    /// An office's year: rooms in February, talk, and a kick in November.
    static func history(_ data: String) throws {
        let clock = ManualClock("2026-02-15T09:00:00Z")
        let fixture = try Fixture.dated(data, clock)
        try fixture.initialize(passwordHash: "x")
        let alice = try fixture.register("alice")
        let bob = try fixture.register("bob")
        try fixture.flushSync()
        try fixture.now(clock, CreateRoom(room: "rgeneral", name: "general", visibility: .public), by: alice)
        try fixture.now(clock, CreateRoom(room: "rdesign", name: "design", visibility: .public), by: alice)
        try fixture.now(clock, JoinRoom(room: "rgeneral"), by: bob)
        try fixture.now(clock, JoinRoom(room: "rdesign"), by: bob)
        for index in 0..<120 {
            clock.advance(seconds: 3600)
            try fixture.now(clock, PostMessage(room: index % 2 == 0 ? "rgeneral" : "rdesign", clientID: "f\(index)",
                                               text: "February \(index)"), by: index % 3 == 0 ? bob : alice)
        }
        clock.set("2026-11-05T10:00:00Z")
        for index in 0..<40 {
            clock.advance(seconds: 600)
            try fixture.now(clock, PostMessage(room: "rgeneral", clientID: "n\(index)", text: "November \(index)"), by: alice)
        }
        try fixture.now(clock, ModerateRoom(room: "rgeneral", user: bob, action: .kick(reason: "test")), by: alice)
        try fixture.close()
    }

    @Test func everyCommandOfTheOperationsPageRunsAsWritten() throws {
        let scratch = Scratch("docs")
        defer { scratch.remove() }
        try Self.history(scratch.file("data"))
        try FileManager.default.createDirectory(atPath: scratch.file("backup"), withIntermediateDirectories: true)
        let commands = try Self.documentedCommands()
        #expect(commands.count >= 15, "\(commands)")
        let binary = Self.binaryDirectory
        let before = Set(FileManager.default.enumerator(atPath: scratch.path)!.compactMap { $0 as? String })
        var redirected: Set<String> = []
        for command in commands {
            let line = command.replacingOccurrences(of: "/mnt/backup/", with: scratch.file("backup") + "/")
                .replacingOccurrences(of: "/srv/causerie-restored", with: scratch.file("restored"))
            // A permissive umask, as an operator's shell may have: the files must still be private.
            let result = try Self.shell("umask 000; cd '\(scratch.path)' && PATH='\(binary)':\"$PATH\" \(line)")
            #expect(result.status == 0, "\(command)\n\(result.errors)\(result.output.prefix(400))")
            if command.contains("audit log --actor alice --type member.kicked") {
                #expect(result.output.contains("member.kicked"), "\(result.output)")
            }
            // A file the shell itself creates (`> november.csv`) follows the shell's umask, not ours.
            if let target = command.range(of: "> ") { redirected.insert(String(command[target.upperBound...])) }
            if command.contains("audit log --type backup") {
                let account = String(cString: getpwuid(geteuid())!.pointee.pw_name)
                #expect(result.output.contains("cli:\(account)"), "\(result.output)")
                #expect(!result.output.contains("cli:unknown"))
            }
        }
        // Everything written: no permission for others.
        let written = FileManager.default.enumerator(atPath: scratch.path)!.compactMap { $0 as? String }
            .filter { !before.contains($0) && !redirected.contains($0) }
        #expect(written.count >= 10, "\(written)")
        for path in written {
            let mode = (try FileManager.default.attributesOfItem(atPath: scratch.file(path))[.posixPermissions] as? Int) ?? 0o777
            #expect(mode & 0o007 == 0, "\(path) is \(String(mode, radix: 8))")
        }
    }

    static var binaryDirectory: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("causerie").path) }!.path
    }

    static func shell(_ script: String) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
