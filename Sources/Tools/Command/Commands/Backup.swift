import ArgumentParser
import EventStore
import Foundation
import Operations
import Projections

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a hot, consistent backup of the whole server into one file (or verify one).",
        discussion: """
            The server may keep running: the backup reads the log through LMDB read transactions. A full backup \
            is LMDB's compacting copy, zstd-compressed, with a manifest (head position and hash, sizes, SHA-256, \
            anchor). --incremental --since FILE writes only the events after that backup's head. The backup is \
            written to FILE.partial and renamed when complete: an interrupted backup leaves no file that verifies.
            """,
        subcommands: [BackupTake.self, BackupVerify.self],
        defaultSubcommand: BackupTake.self)
}

struct BackupTake: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "take", abstract: "Write a backup (the default).")

    @Option(name: .long, help: "The data directory (default ./data).") var data: String = "./data"
    @Option(name: .long, help: "The backup file to write.") var out: String
    @Flag(name: .long, help: "Only the events after the head of --since.") var incremental = false
    @Option(name: .long, help: "The backup an increment extends.") var since: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if incremental && since == nil { throw ValidationError("--incremental needs --since FILE") }
        if !incremental && since != nil { throw ValidationError("--since goes with --incremental") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: data + "/data.mdb") else { throw ValidationError("no store in \(data)") }
        let store = try LMDBEventStore(.init(directory: data, readOnly: true), logger: .quiet)
        // File contents (docs/files.md) go in with the log; a data directory without any has none.
        let blobs: (any BlobStore)? = FileManager.default.fileExists(atPath: data + "/blobs")
            ? try FileBlobStore(directory: data + "/blobs") : nil
        let progress = Progress("backup")
        let result: Backups.Result
        do {
            result = if let since {
                try Backups.incremental(store, blobs: blobs, since: since, to: out) { _, fraction in progress.update(fraction) }
            } else {
                try Backups.full(store, blobs: blobs, to: out) { stage, fraction in progress.update(fraction, stage) }
            }
        } catch {
            store.close()
            progress.done()
            fail("\(error)")
        }
        store.close()
        progress.done()
        let how = try Spool.record(.backupTaken(.init(
            kind: result.kind, headPosition: result.head.position, headHash: result.head.hash.hex, sha256: result.sha256,
            bytes: result.bytes, by: commandLineActor)), data: data)
        if output.json {
            try output.print(json: result)
        } else {
            print("\(result.kind) backup written to \(result.path)")
            print("head: position \(result.head.position), hash \(result.head.hash.hex)")
            if let since = result.since { print("since: position \(since.position)") }
            print("\(result.bytes) bytes (\(result.uncompressedBytes) uncompressed) in \(String(format: "%.1f", result.seconds)) s")
            print("sha256 \(result.sha256)")
            print("the backup was \(how) in the log's audit trail")
        }
    }
}

struct BackupVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a backup completely without restoring it: SHA-256, structure, and every record's chain.")

    @Argument(help: "The backup file.") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let progress = Progress("verify")
        do {
            let result = try Backups.verify(file) { stage, fraction in progress.update(fraction, stage) }
            progress.done()
            if output.json {
                try output.print(json: result)
            } else {
                print("\(file): valid \(result.kind) backup of store \(result.storeID)")
                print("head: position \(result.head.position), hash \(result.head.hash.hex)")
                print("\(result.records) records verified")
            }
        } catch {
            progress.done()
            fail("\(file): \(error)")
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a data directory from a full backup and its increments.",
        discussion: """
            Files are applied in the order given: a full backup, then increments, each extending the previous. \
            The directory must be new or empty (a store in use is refused). The restore ends with a full chain \
            verification: the restored head must equal the last manifest's.
            """)

    @Argument(help: "A full backup, then increments.") var files: [String]
    @Option(name: .long, help: "The data directory to create.") var data: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let progress = Progress("restore")
        do {
            let result = try Backups.restore(files, into: data) { stage, fraction in progress.update(fraction, stage) }
            progress.done()
            if output.json {
                try output.print(json: result)
            } else {
                print("restored \(result.records) records into \(result.directory)")
                print("head: position \(result.head.position), hash \(result.head.hash.hex) (verified)")
            }
        } catch {
            progress.done()
            fail("\(error)")
        }
    }
}
