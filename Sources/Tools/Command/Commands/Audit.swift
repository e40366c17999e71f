import ArgumentParser
import EventStore
import Foundation
import Operations

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove the log unaltered, print its head, read the administrative trail.",
        subcommands: [AuditVerify.self, AuditHead.self, AuditLog.self])
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the hash chain and every record's integrity; exit 1 naming the first bad position.",
        discussion: """
            With --anchor (a file from `causerie audit head --out`, a backup, or an export manifest), also \
            prove that the log still extends that head: this is what catches a tail rewritten with fresh hashes.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "First position to check (the chain before it is trusted).") var from: UInt64 = 1
    @Option(help: "Last position to check (default: the head).") var to: UInt64?
    @Option(help: "An anchor to check the log against.") var anchor: String?

    struct Report: Encodable {
        var intact: Bool
        var checked: UInt64
        var head: Head
        var verifiedThrough: Head
        var problem: String?
        var problemPosition: UInt64?
        var anchor: String?
        var files: BlobAudit.Report?
    }

    func run() throws {
        let (log, cleanup) = try store.open()
        defer { cleanup() }
        let report = try log.verifyLog(from: from, to: to)
        var problem = report.problem.map { "\($0.kind.rawValue): \($0.detail)" }
        var position = report.problem?.position
        var anchorText: String?
        if let anchor {
            let finding = try Anchor.load(anchor).check(log)
            anchorText = finding.detail
            if !finding.extends && problem == nil {
                problem = "anchor: \(finding.detail)"
                position = finding.firstMismatch
            }
        }
        // File contents beside the log, where it has any (the data directory's, or those restored
        // from --backup with it).
        var files: BlobAudit.Report?
        let directory = log.configuration.directory + "/blobs"
        if FileManager.default.fileExists(atPath: directory) {
            let found = try BlobAudit.verify(log, blobs: try FileBlobStore(directory: directory))
            files = found
            if problem == nil, let first = found.problems.first {
                problem = "blob_\(first.kind): \(first.name) (\(first.sha256))"
                position = first.position
            }
        }
        let result = Report(intact: problem == nil, checked: report.checked, head: report.recordedHead,
                            verifiedThrough: report.verifiedHead, problem: problem, problemPosition: position,
                            anchor: anchorText, files: files)
        if output.json {
            try output.print(json: result)
        } else {
            print("head: position \(report.recordedHead.position), hash \(report.recordedHead.hash.hex)")
            print("checked \(report.checked) records from position \(report.from)")
            if let anchorText { print("anchor: \(anchorText)") }
            if let files { print("files: \(files.blobs) contents of \(files.files) files rehashed, \(files.problems.count) missing or altered") }
            for found in files?.problems ?? [] {
                print("  \(found.kind) content of \(found.name), named by the event at position \(found.position): \(found.sha256)")
            }
            if let problem, let position {
                print("FAILED at position \(position): \(problem)")
            } else {
                print("intact")
            }
        }
        if problem != nil { throw ExitCode(1) }
    }
}

struct AuditHead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Print the chain head; with --out, write an anchor to keep elsewhere.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Write an anchor (head and checkpoints) to this file.") var out: String?

    func run() throws {
        let (log, cleanup) = try store.open()
        defer { cleanup() }
        let anchor = try Anchor.make(log)
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(anchor).write(to: URL(fileURLWithPath: out))
        }
        if output.json {
            try output.print(json: anchor.head)
        } else {
            print("position \(anchor.head.position)")
            print("hash \(anchor.head.hash.hex)")
            print("store \(anchor.storeID)")
            if let out { print("anchor written to \(out)") }
        }
    }
}

struct AuditLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The administrative trail: logins, rights changes, moderation, deletions, settings, backups, exports.",
        discussion: "Kinds: " + AuditTrail.kinds.joined(separator: ", "))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only what this user (name or id) did.") var actor: String?
    @Option(help: "Only these kinds (repeat the option).") var type: [String] = []
    @Option(help: "From this date.") var from: String?
    @Option(help: "Up to this date (exclusive).") var to: String?

    func run() throws {
        let zone = try output.timeZone
        for kind in type where !AuditTrail.kinds.contains(kind) {
            throw ValidationError("unknown kind \(kind); kinds: \(AuditTrail.kinds.joined(separator: ", "))")
        }
        let query = AuditTrail.Query(
            actor: actor, kinds: Set(type), from: try from.map { try parseDate($0, zone, option: "--from") },
            to: try to.map { try parseDate($0, zone, option: "--to") }, timeZone: zone)
        let (log, cleanup) = try store.open()
        defer { cleanup() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try AuditTrail.run(log, query) { entry in
            if output.json {
                print(String(decoding: try encoder.encode(entry), as: UTF8.self))
            } else {
                let details = entry.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("\(entry.time)  #\(entry.position)  \(entry.actorName)  \(entry.kind)  \(details)")
            }
        }
    }
}
